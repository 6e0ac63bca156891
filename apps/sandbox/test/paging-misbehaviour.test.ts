/**
 * The paging misbehaviours as a reader of the API sees them: `repeated-rows` (each page after the
 * first opens with the row the page before ended with) and `shifting-pages` (an invitation stored
 * late, before rows already paged, a bounded number of times).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { allEvents, createClock, setUpFirm, startSandbox, T0, type Running } from './harness.js';

let s: Running | undefined;
afterEach(() => s?.close());

const iso = (ms: number) => new Date(ms).toISOString();
const SENT = 'Case Invitation Sent';

describe('paging misbehaviour', () => {
  it('repeated-rows: each page after the first opens with the last row of the page before, and a reader that pages on sees every row', async () => {
    s = await startSandbox({ now: createClock().now, misbehaviour: { on: ['repeated-rows'] } });
    await setUpFirm(s.client);
    const sent = s.sandbox.scenario.generate(250).map((r) => r.doc._id);
    const first = await s.client.events.query({ limit: 100, skip: 0 });
    const second = await s.client.events.query({ limit: 100, skip: 100 });
    expect(second.events).toHaveLength(100);
    expect(second.events[0]!.id).toBe(first.events[99]!.id);
    expect(second.total).toBe(250);

    const read = await allEvents(s.client);
    const ids = read.map((e) => e.payload['invitation_id']);
    expect(new Set(ids)).toEqual(new Set(sent));
    // Rows 0-99, 99-198, 198-249: the pages at skip 100 and 200 each open with a row read before; skip 252 is past the end.
    expect(ids.length - sent.length).toBe(2);
    expect(read.map((e) => e.id).filter((id, i, all) => all.indexOf(id) !== i)).toEqual([first.events[99]!.id, second.events[99]!.id]);
    expect(s.sandbox.state.stats().misbehaviour.applied['repeated-rows']).toBe(3);
  });

  it('shifting-pages: an invitation stored lateMs late lands before the offset, so the page repeats a row and this pass never sees the late one', async () => {
    const clock = createClock();
    s = await startSandbox({ now: clock.now, misbehaviour: { on: ['shifting-pages'], lateMs: 1_000 } });
    await setUpFirm(s.client);
    s.sandbox.scenario.generate(250);
    const range = { from: iso(T0 - 5_000), to: iso(T0), event: SENT, limit: 100 };
    const first = await s.client.events.query({ ...range, skip: 0 });
    const second = await s.client.events.query({ ...range, skip: 100 });
    expect(second.total).toBe(251);
    expect(second.events[0]!.id, 'the row the page before ended with, pushed down one place').toBe(first.events[99]!.id);

    const pass = new Set([...first.events, ...second.events].map((e) => e.id));
    for (let skip = 200; ; ) {
      const page = await s.client.events.query({ ...range, skip });
      if (page.events.length === 0) break;
      for (const e of page.events) pass.add(e.id);
      skip += page.events.length;
    }
    // One shift for this query; the late invitation sits where the pass had already been.
    s.sandbox.state.misbehaviour.set({ on: [] });
    const stored = await allEvents(s.client, SENT);
    expect(stored).toHaveLength(251);
    const late = stored.filter((e) => !pass.has(e.id));
    expect(late.map((e) => e.createdAt)).toEqual([iso(T0 - 1_000)]);
    expect(stored[0]).toEqual(late[0]);
    expect(s.sandbox.state.stats().misbehaviour.applied['shifting-pages']).toBe(1);
    expect(s.sandbox.state.invitations.list()).toHaveLength(251);
  });

  it('shifting-pages shifts a query once, stores nothing under rows older than lateMs or once its shifts are spent, until it is set again', async () => {
    const clock = createClock();
    s = await startSandbox({ now: clock.now, misbehaviour: { on: ['shifting-pages'], shifts: 2, lateMs: 1_000 } });
    await setUpFirm(s.client);
    s.sandbox.scenario.generate(150);
    const shifts = () => s!.sandbox.state.stats().misbehaviour.applied['shifting-pages'];
    // Rows older than lateMs: a late event would sort after them, so nothing shifts.
    clock.advance(2_000);
    await allEvents(s.client);
    expect(shifts()).toBe(0);
    // Recent rows: one shift per query, however often it is paged through.
    clock.set(T0);
    for (let i = 0; i < 3; i++) await allEvents(s.client);
    expect(shifts()).toBe(1);
    await allEvents(s.client, SENT);
    expect(shifts()).toBe(2);
    // Both shifts spent: another query pages undisturbed.
    await s.client.events.query({ limit: 50, skip: 50 });
    expect(shifts()).toBe(2);
    expect(s.sandbox.state.invitations.list()).toHaveLength(152);
    // Setting the misbehaviour again gives it its shifts back.
    expect(s.sandbox.state.misbehaviour.set({ on: ['shifting-pages'], shifts: 1 }).success).toBe(true);
    await allEvents(s.client);
    expect(shifts()).toBe(3);
  });
});
