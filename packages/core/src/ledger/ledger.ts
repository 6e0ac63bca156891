/**
 * The invitation ledger in Redis: one JSON string per invitation, plus one sorted set per state and
 * one over all invitations, each scored by expiry, for listing. Every change is a compare-and-set
 * (`commands/updateLedgerRecord-9.lua`): the new record is written only if the stored one still
 * has the `version` the change was computed from, and the indexes move in the same script. Guards on
 * the current state therefore hold across processor replicas: of two concurrent `beginAct` calls,
 * exactly one wins. A change may announce itself: its CMS feed item is appended by the same script
 * (a transactional outbox), so the feed never misses nor runs ahead of the ledger.
 */
import { coreScripts } from '../commands/index.js';
import type { FeedItem, FeedOutbox } from '../feed/index.js';
import type { Keyspace, ScriptArg, RedisClient } from '@lexbridge/infra/redis';
import { describeDecision } from '../rules/index.js';
import { caseIndexKey, caseLinkScore } from './case-index.js';
import { ledgerKeys, parseRetentionMember, retentionMember } from './keys.js';
import { DEFAULT_RETENTION } from './retention.js';
import {
  FINAL_LEDGER_STATES,
  isWatched,
  LEDGER_STATES,
  LedgerNotFoundError,
  LedgerTransitionError,
  type LedgerDecision,
  type LedgerRecord,
  type LedgerState,
  type ReceiveInput,
  type Transition,
} from './record.js';

/** Filters for {@link Ledger.list}. */
export interface LedgerListFilter {
  state?: LedgerState;
  /** Only invitations expiring strictly before this time. */
  expiringBefore?: Date;
  caseType?: string;
  /** Page size, 1..500 (default 50). */
  limit?: number;
  /** `next` of the previous page. */
  cursor?: string;
}

/** A manual decision made through the API. */
export interface ManualDecision {
  action: 'accept' | 'decline' | 'evaluate';
  /** Required for a decline. */
  reason?: string;
  /** The API identity that made it. */
  by?: string;
  /** The person a `cms` identity relays the decision for. */
  onBehalfOf?: string;
}

/** A `cursor` that {@link Ledger.list} did not issue. */
export class LedgerCursorError extends Error {
  override readonly name = 'LedgerCursorError';
  constructor() {
    super('cursor is not one this listing issued');
  }
}

export interface Ledger {
  get(invitationId: string): Promise<LedgerRecord | undefined>;
  /** Invitations ordered by expiry (soonest first), filtered; `next` is null on the last page. */
  list(f: LedgerListFilter): Promise<{ items: LedgerRecord[]; next: string | null }>;
  /**
   * Records an invitation once. A second call for the same id changes nothing and returns the
   * stored record with `created: false` (a re-delivered event). With `then`, a new record is
   * created already moved on through each step (history `received`, then each step's `to`), in the
   * same single script: receive and decide in one round trip when the decision needs nothing from
   * Redis, and claim its action too ({@link BEGIN_ACT}): only the caller that created the record
   * holds that claim, as only one `beginAct` wins. `announce` builds the feed item that reports a
   * new record (from the record as created), appended by the same script; the `announce` of the
   * steps is not used. With `input.sentAt` and `input.caseId`, the script links the case too.
   */
  receive(
    input: ReceiveInput,
    then?: Omit<Transition, 'from'> | ReadonlyArray<Omit<Transition, 'from'>>,
    opts?: { announce?: (record: LedgerRecord) => FeedItem },
  ): Promise<{ record: LedgerRecord; created: boolean }>;
  /**
   * A guarded change: throws {@link LedgerTransitionError} when the state is not in `t.from`.
   * `known` is the record as the caller last read or wrote it: the change is then tried against it
   * without reading the record first (one round trip), and re-read only if it changed underneath.
   */
  transition(invitationId: string, t: Transition, known?: LedgerRecord): Promise<LedgerRecord>;
  /**
   * A change computed from the current record; `plan` returning undefined changes nothing (the
   * record is returned as it is). Retried when the record changed underneath. `known`: as for
   * {@link Ledger.transition}.
   */
  update(invitationId: string, plan: (r: LedgerRecord) => Transition | undefined, known?: LedgerRecord): Promise<LedgerRecord>;
  /** received → decided | manual | shadow (or expired/closed when Lexamica says so). */
  decide(invitationId: string, decision: LedgerDecision, to: LedgerState, known?: LedgerRecord): Promise<LedgerRecord>;
  /**
   * A manual decision from the API: only from `manual` or `shadow`, atomically to `decided`.
   * Past the invitation's expiry the record moves to `expired` and this throws
   * {@link LedgerTransitionError} with state `expired`. The caller then enqueues `invitation.act`
   * with job id `actJobId(record)`.
   */
  decideManually(invitationId: string, d: ManualDecision): Promise<LedgerRecord>;
  /** decided → acting, counting an attempt: the one place an action is claimed. */
  beginAct(invitationId: string, known?: LedgerRecord): Promise<LedgerRecord>;
  /** acting | failed → acting after a read-back found the invitation still open. */
  resumeAct(invitationId: string, note: string, known?: LedgerRecord): Promise<LedgerRecord>;
  /**
   * acting (or failed, on a replay that read Lexamica back) → the outcome: done, manual after an
   * evaluation, conflict, expired, closed, failed. `announce`: as in {@link Transition}.
   */
  finishAct(
    invitationId: string,
    to: LedgerState,
    extra?: { lexamicaStatus?: string; lastError?: string; note?: string; expires?: string },
    known?: LedgerRecord,
    announce?: Transition['announce'],
  ): Promise<LedgerRecord>;
  /** acting → decided: the action was refused before it could take effect (429), so it may be sent again. */
  abortAct(invitationId: string, note: string, known?: LedgerRecord): Promise<LedgerRecord>;
  /** How many invitations are in each state. */
  counts(): Promise<Record<LedgerState, number>>;
  /**
   * The retention sweep: clears the indexes and case links of final records past their retention
   * (the records themselves expire by Redis TTL) and deletes any such record still there. Returns
   * how many it removed.
   */
  purgeExpired(batch?: number): Promise<number>;
  /**
   * A deletion request: removes every invitation record of the case (Lexamica's case id), in any
   * state, with its indexes and the case link. Returns the invitation ids removed.
   */
  purgeCase(caseId: string): Promise<string[]>;
}

/** Options for {@link createLedger}. */
export interface LedgerOptions {
  /** Clock (default `() => new Date()`). */
  now?: () => Date;
  /** Retries of a compare-and-set that lost a race (default 20). */
  maxCasRetries?: number;
  /** The feed that `announce` items go to (`Feed.outbox`); without one, a change that announces is refused. */
  feed?: FeedOutbox;
  /** How long a record (and its case link) is kept after its final state, in ms (`RetentionPolicy.recordsMs`; default 180 days). */
  recordsRetentionMs?: number;
}

export function createLedger(redis: RedisClient, keyspace: Keyspace, opts: LedgerOptions = {}): Ledger {
  const now = opts.now ?? (() => new Date());
  const maxCasRetries = opts.maxCasRetries ?? 20;
  coreScripts.define(redis);
  const keys = ledgerKeys(keyspace);
  const recordKey = keys.record;
  const stateKey = keys.state;
  const allKey = keys.all;
  // When a record entered its state, for the watchdog; only the states it watches are kept.
  const enteredScore = (r: LedgerRecord) => (isWatched(r.state) ? Date.parse(r.updatedAt) : '');

  const parse = (json: string): LedgerRecord => JSON.parse(json) as LedgerRecord;
  const retentionMs = opts.recordsRetentionMs ?? DEFAULT_RETENTION.recordsMs;
  const final = (r: LedgerRecord) => FINAL_LEDGER_STATES.includes(r.state);
  /**
   * The retention arguments of a write: the old record's member (to unlist), the new one's and when
   * it is purged. A create passes only the new member (createLedgerRecord takes no old one).
   */
  function retentionArgs(current: LedgerRecord | undefined, next: LedgerRecord): ScriptArg[] {
    const listed = final(next) ? [retentionMember(next), retentionMs, now().getTime() + retentionMs] : ['', '', ''];
    return current === undefined ? listed : [final(current) ? retentionMember(current) : '', ...listed];
  }

  /** Removes a record, its indexes and its case link; `due`: only while its retention member is due then. */
  async function purgeEntry(member: { invitationId: string; state: LedgerState; caseId?: string | undefined }, listed: string, due: number | 'any'): Promise<boolean> {
    const rk = recordKey(member.invitationId);
    const caseKey = member.caseId === undefined ? rk : caseIndexKey(keyspace, member.caseId);
    const removed = await coreScripts.run(redis, 'purgeLedgerEntry', [keys.retention, rk, stateKey(member.state), allKey, keys.since(member.state), caseKey], [listed, member.invitationId, due]);
    return removed === 1;
  }

  async function get(invitationId: string): Promise<LedgerRecord | undefined> {
    const json = await redis.get(recordKey(invitationId));
    return json === null ? undefined : parse(json);
  }

  /** The keys and arguments that append `item` in a ledger script. */
  function outboxAppend(item: FeedItem) {
    if (!opts.feed) throw new Error(`ledger created without a feed cannot announce ${item.id}`);
    return opts.feed.append(item);
  }

  async function receive(input: ReceiveInput, then?: Omit<Transition, 'from'> | ReadonlyArray<Omit<Transition, 'from'>>, o: { announce?: (record: LedgerRecord) => FeedItem } = {}) {
    const at = now().toISOString();
    const state = input.state ?? 'received';
    const received: LedgerRecord = {
      invitationId: input.invitationId,
      state,
      eventId: input.eventId,
      ...(input.mappingId !== undefined && { mappingId: input.mappingId }),
      ...(input.caseId !== undefined && { caseId: input.caseId }),
      ...(input.caseType !== undefined && { caseType: input.caseType }),
      ...(input.facts !== undefined && { facts: input.facts }),
      expires: input.expires,
      ...(input.sentAt !== undefined && { sentAt: input.sentAt }),
      ...(input.lexamicaStatus !== undefined && { lexamicaStatus: input.lexamicaStatus }),
      attempts: 0,
      version: 0,
      createdAt: at,
      updatedAt: at,
      history: [{ at, state, ...(input.note !== undefined && { note: input.note }) }],
    };
    const steps = then === undefined ? [] : Array.isArray(then) ? then : [then as Omit<Transition, 'from'>];
    const record = steps.reduce((r: LedgerRecord, step) => applyTransition(r, { ...step, from: [r.state] }, at), received);
    const rk = recordKey(input.invitationId);
    // Every key the script may touch is passed (a fixed count); a slot not used repeats the record's key.
    const scriptKeys = [rk, stateKey(record.state), allKey, keys.since(record.state), rk, rk, rk, keys.retention];
    const args: ScriptArg[] = [JSON.stringify(record), input.invitationId, expiryScore(record.expires), '', '', '', '', enteredScore(record), ...retentionArgs(undefined, record)];
    if (input.caseId !== undefined && input.sentAt !== undefined) {
      scriptKeys[4] = caseIndexKey(keyspace, input.caseId);
      args[3] = caseLinkScore(input.sentAt);
    }
    if (o.announce) {
      const item = outboxAppend(o.announce(record));
      scriptKeys.splice(5, 2, ...item.keys);
      args.splice(4, 3, ...item.args);
    }
    const existing = (await coreScripts.run(redis, 'createLedgerRecord', scriptKeys, args)) as string | null;
    return existing === null ? { record, created: true } : { record: parse(existing), created: false };
  }

  /** Writes `t` applied to `current` if the stored record is still `current`; undefined if it moved on. */
  async function tryApply(current: LedgerRecord, t: Transition): Promise<LedgerRecord | undefined> {
    if (!t.from.includes(current.state)) throw new LedgerTransitionError(current.invitationId, current.state, t.to);
    const next = applyTransition(current, t, now().toISOString());
    const rk = recordKey(current.invitationId);
    const scriptKeys = [rk, stateKey(current.state), stateKey(next.state), allKey, keys.since(current.state), keys.since(next.state), rk, rk, keys.retention];
    const args: ScriptArg[] = [current.version ?? 0, JSON.stringify(next), current.invitationId, expiryScore(next.expires), next.expires === current.expires ? '0' : '1', enteredScore(next), '', '', '', ...retentionArgs(current, next)];
    if (t.announce) {
      const item = outboxAppend(t.announce(next));
      scriptKeys.splice(6, 2, ...item.keys);
      args.splice(6, 3, ...item.args);
    }
    const ok = await coreScripts.run(redis, 'updateLedgerRecord', scriptKeys, args);
    return ok === 1 ? next : undefined;
  }

  async function update(invitationId: string, plan: (r: LedgerRecord) => Transition | undefined, known?: LedgerRecord): Promise<LedgerRecord> {
    if (known && known.invitationId === invitationId) {
      const t = plan(known);
      // A plan that changes nothing, or refuses, is decided on the stored record, not on a copy.
      if (t && t.from.includes(known.state)) {
        const next = await tryApply(known, t);
        if (next) return next;
      }
    }
    for (let i = 0; i <= maxCasRetries; i++) {
      const current = await get(invitationId);
      if (!current) throw new LedgerNotFoundError(invitationId);
      const t = plan(current);
      if (!t) return current;
      const next = await tryApply(current, t);
      if (next) return next;
    }
    throw new Error(`ledger record ${invitationId} kept changing; gave up after ${maxCasRetries} retries`);
  }

  const transition = (invitationId: string, t: Transition, known?: LedgerRecord) => update(invitationId, () => t, known);

  return {
    get,
    receive,
    update,
    transition,
    list: (f) => list(redis, f, f.state ? stateKey(f.state) : allKey, recordKey),

    decide: (invitationId, decision, to, known) => transition(invitationId, decisionTransition(decision, to), known),

    async decideManually(invitationId, d) {
      if (d.action === 'decline' && !d.reason?.trim()) throw new RangeError('a decline needs a reason');
      let expired = false;
      const record = await update(invitationId, (cur) => {
        expired = false;
        const at = now();
        if (at.getTime() >= Date.parse(cur.expires) && (cur.state === 'manual' || cur.state === 'shadow')) {
          expired = true;
          return { from: ['manual', 'shadow'], to: 'expired', note: 'manual decision arrived after expiry' };
        }
        const decision: LedgerDecision = {
          action: d.action,
          ...(d.reason !== undefined && { reason: d.reason }),
          rule: null,
          trace: [],
          source: 'manual',
          decidedAt: at.toISOString(),
          ...(d.by !== undefined && { by: d.by }),
          ...(d.onBehalfOf !== undefined && { onBehalfOf: d.onBehalfOf }),
        };
        return { from: ['manual', 'shadow'], to: 'decided', patch: { decision }, note: describe(decision) };
      });
      if (expired) throw new LedgerTransitionError(invitationId, 'expired', 'decided');
      return record;
    },

    beginAct: (invitationId, known) => transition(invitationId, BEGIN_ACT, known),

    resumeAct: (invitationId, note, known) => transition(invitationId, { from: ['acting', 'failed'], to: 'acting', countAttempt: true, note }, known),

    finishAct: (invitationId, to, extra = {}, known, announce) =>
      transition(
        invitationId,
        {
          from: ['acting', 'failed'],
          to,
          patch: {
            ...(extra.lexamicaStatus !== undefined && { lexamicaStatus: extra.lexamicaStatus }),
            ...(extra.lastError !== undefined && { lastError: extra.lastError }),
            ...(extra.expires !== undefined && { expires: extra.expires }),
          },
          ...(extra.note !== undefined && { note: extra.note }),
          ...(announce && { announce }),
        },
        known,
      ),

    abortAct: (invitationId, note, known) => transition(invitationId, { from: ['acting'], to: 'decided', note }, known),

    async purgeExpired(batch = 500) {
      const at = now().getTime();
      let purged = 0;
      for (;;) {
        const due = await redis.zrangebyscore(keys.retention, '-inf', at, 'LIMIT', 0, batch);
        for (const member of due) if (await purgeEntry(parseRetentionMember(member), member, at)) purged += 1;
        if (due.length < batch) return purged;
      }
    },

    async purgeCase(caseId) {
      const ids = await redis.zrange(caseIndexKey(keyspace, caseId), 0, -1);
      const removed: string[] = [];
      for (const invitationId of ids) {
        const record = await get(invitationId);
        const entry = { invitationId, state: record?.state ?? 'received', caseId };
        await purgeEntry(entry, record && final(record) ? retentionMember(record) : '', 'any');
        removed.push(invitationId);
      }
      return removed;
    },

    async counts() {
      const pipeline = redis.pipeline();
      for (const s of LEDGER_STATES) pipeline.zcard(stateKey(s));
      const replies = (await pipeline.exec()) ?? [];
      return Object.fromEntries(LEDGER_STATES.map((s, i) => [s, Number(replies[i]?.[1] ?? 0)])) as Record<LedgerState, number>;
    },
  };
}

/** decided → acting, counting an attempt: claims the action (`Ledger.beginAct`, or the last step of `receive`'s `then`). */
export const BEGIN_ACT: Transition = { from: ['decided'], to: 'acting', countAttempt: true, note: 'sending the action' };

/** The transition that records a decision on a `received` invitation (`Ledger.decide`, or `receive`'s `then`). */
export function decisionTransition(decision: LedgerDecision, to: LedgerState): Transition {
  return { from: ['received'], to, patch: { decision }, note: describe(decision) };
}

function applyTransition(r: LedgerRecord, t: Omit<Transition, 'announce'>, at: string): LedgerRecord {
  return {
    ...r,
    ...t.patch,
    state: t.to,
    attempts: r.attempts + (t.countAttempt ? 1 : 0),
    version: (r.version ?? 0) + 1,
    updatedAt: at,
    history: [...r.history, { at, state: t.to, ...(t.note !== undefined && { note: t.note }) }],
  };
}

function describe(d: LedgerDecision): string {
  const who = d.by ? ` (${d.by}${d.onBehalfOf ? ` for ${d.onBehalfOf}` : ''})` : '';
  return d.source === 'rules' ? describeDecision(d) : `${d.action} by ${d.source}${who}${d.reason ? `: ${d.reason}` : ''}`;
}

function expiryScore(expires: string): number {
  const ms = Date.parse(expires);
  return Number.isFinite(ms) ? ms : 0;
}

// The cursor is the (score, member) of the last item returned: the next page starts after it, so
// paging is stable while other invitations are added or change state.
interface Cursor {
  score: number;
  member: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.score, c.member])).toString('base64url');
}

function decodeCursor(s: string): Cursor {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return { score: v[0], member: v[1] };
  } catch {
    // Falls through to the error below.
  }
  throw new LedgerCursorError();
}

/** Redis orders members of equal score by their bytes; compare the same way. */
function afterCursor(score: number, member: string, c: Cursor | undefined): boolean {
  if (!c) return true;
  if (score !== c.score) return score > c.score;
  return Buffer.compare(Buffer.from(member), Buffer.from(c.member)) > 0;
}

async function list(
  redis: RedisClient,
  f: LedgerListFilter,
  index: string,
  recordKey: (id: string) => string,
): Promise<{ items: LedgerRecord[]; next: string | null }> {
  const limit = Math.min(Math.max(Math.trunc(f.limit ?? 50), 1), 500);
  const cursor = f.cursor ? decodeCursor(f.cursor) : undefined;
  const max = f.expiringBefore ? `(${f.expiringBefore.getTime()}` : '+inf';
  const min = cursor ? String(cursor.score) : '-inf';
  const batch = Math.max(limit * 2, 100);
  const found: Array<{ record: LedgerRecord; score: number }> = [];
  for (let offset = 0; found.length <= limit; offset += batch) {
    const flat = await redis.zrangebyscore(index, min, max, 'WITHSCORES', 'LIMIT', offset, batch);
    const pairs: Array<[string, number]> = [];
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, Number(flat[i + 1])]);
    const candidates = pairs.filter(([m, s]) => afterCursor(s, m, cursor));
    const jsons = candidates.length ? await redis.mget(...candidates.map(([m]) => recordKey(m))) : [];
    jsons.forEach((json, i) => {
      const record = json === null ? undefined : (JSON.parse(json) as LedgerRecord);
      // The index and the record are written together, but the record may have moved on since
      // the index was read: filter on the record itself.
      if (!record || (f.state && record.state !== f.state) || (f.caseType !== undefined && record.caseType !== f.caseType)) return;
      found.push({ record, score: candidates[i]![1] });
    });
    if (flat.length < batch * 2) break;
  }
  const page = found.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((p) => p.record),
    next: found.length > limit && last ? encodeCursor({ score: last.score, member: last.record.invitationId }) : null,
  };
}
