/**
 * A page of stored events as Lexamica answers it, with the paging misbehaviours when they are on.
 * Both touch only a page after the first of a query (`skip` > 0): what a reader sees while it pages.
 *
 * - `shifting-pages`: before the page is read, an invitation is stored late: its event's createdAt
 *   is `lateMs` before now, older than the last row the reader has paged, so it sorts before the
 *   offset and every row from there moves one place down. The page under `skip` opens with the row
 *   the page before ended with, and the late row sits where this reader has already been: only a
 *   reader that re-reads its recent past (an overlap window) finds it. Once per query (its range,
 *   filter and limit), at most `shifts` in all.
 * - `repeated-rows`: pages overlap by one row, as an inclusive page boundary makes them: the page
 *   under `skip` starts `floor(skip / limit)` rows early, so a reader that moves `skip` on by the
 *   rows it received gets, at the start of each page, the row the page before ended with. Pages stay
 *   `limit` rows long (with `limit` 1 they would never move on, so they are left alone).
 */
import type { EventStoreQuery, StoredEventRecord } from '../state/event-store.js';
import type { SandboxState } from '../state/sandbox-state.js';

/** What a page needs of the sandbox's state. */
export type PagingState = Pick<SandboxState, 'events' | 'misbehaviour' | 'now' | 'profile' | 'storeLateInvitation'>;

/** The rows and total of `q`, as Lexamica answers them with the misbehaviour switched on. */
export function storedEventsPage(state: PagingState, q: EventStoreQuery): { data: StoredEventRecord[]; total: number } {
  const { events, misbehaviour } = state;
  if (q.skip > 0 && misbehaviour.has('shifting-pages')) shiftUnder(state, q);
  const back = q.limit > 1 ? Math.floor(q.skip / q.limit) : 0;
  if (back > 0 && misbehaviour.has('repeated-rows')) {
    const page = events.query({ ...q, skip: q.skip - back });
    // Counted only when the page really holds a row the page before ended with.
    if (page.data.length > 0) misbehaviour.count('repeated-rows');
    return page;
  }
  return events.query(q);
}

/** Stores one late invitation before the offset of `q`, when one can land there and shifts are left. */
function shiftUnder(state: PagingState, q: EventStoreQuery): void {
  const { events, misbehaviour } = state;
  // The late event is a `Case Invitation Sent`: a query for another event would not move.
  if (q.event !== undefined && q.event !== state.profile.events.invitationSent) return;
  const lastPaged = events.query({ ...q, skip: q.skip - 1, limit: 1 }).data[0];
  if (!lastPaged) return;
  const atMs = Math.max(q.fromMs ?? 0, state.now() - misbehaviour.config.lateMs);
  // The store keeps a new event after those with the same time: it must be strictly older than
  // the last row paged to land before the offset. Rows paged longer than `lateMs` ago stay put.
  if (atMs >= Date.parse(lastPaged.createdAt)) return;
  if (!misbehaviour.takeShift(JSON.stringify([q.event, q.fromMs, q.toMs, q.limit]))) return;
  const before = events.size;
  state.storeLateInvitation(atMs);
  // Nothing is stored when no active subscription wants the event: no shift to count.
  if (events.size > before) misbehaviour.count('shifting-pages');
}
