import { waitFor } from '@lexbridge/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxStats } from '../src/state/sandbox-state.js';
import { setUpFirm, startSandbox, type Running } from './harness.js';

let s: Running | undefined;
afterEach(() => s?.close());

const post = (r: Running, path: string, body: unknown = {}) =>
  r.raw(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const stats = async (r: Running) => (await (await r.raw('/__sandbox/stats')).json()) as SandboxStats;

describe('scenario control', () => {
  it('sends invitations at the configured rate until stopped', async () => {
    s = await startSandbox();
    await setUpFirm(s.client);
    const started = await post(s, '/__sandbox/scenario/start', { rate: 100, cancelRate: 0 });
    expect(await started.json()).toMatchObject({ running: true, options: { rate: 100 } });
    await waitFor(async () => (await stats(s!)).invitations.sent >= 10, { timeoutMs: 5_000 });
    expect(await (await post(s, '/__sandbox/scenario/stop')).json()).toMatchObject({ running: false });
    const after = (await stats(s)).invitations.sent;
    // Proving that nothing more happens needs an observation window: ten former tick periods.
    for (const end = Date.now() + 200; Date.now() < end; ) {
      expect((await stats(s)).invitations.sent).toBe(after);
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it('generates invitations on demand, one createdAt for a burst, and rejects bad options', async () => {
    s = await startSandbox();
    await setUpFirm(s.client);
    const res = await post(s, '/__sandbox/invitations', { count: 4, sameTimestamp: true });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { total: number; data: Array<{ _id: string }> };
    expect(created.total).toBe(4);
    const one = await s.raw(`/__sandbox/invitations/${created.data[0]!._id}`);
    expect(((await one.json()) as { _id: string })._id).toBe(created.data[0]!._id);
    expect((await s.raw('/__sandbox/invitations/nope')).status).toBe(404);
    const events = (await s.client.events.query({})).events;
    expect(new Set(events.map((e) => e.createdAt)).size).toBe(1);
    const bad = await post(s, '/__sandbox/scenario/start', { cancelRate: 2 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/^cancelRate/);
    expect(s.sandbox.scenario.running).toBe(false);
  });

  it('resets invitations, events and counts but keeps mappings and subscriptions', async () => {
    s = await startSandbox();
    await setUpFirm(s.client);
    s.sandbox.scenario.generate(3);
    const before = s.sandbox.state.invitations.list().map((r) => r.doc._id);
    await post(s, '/__sandbox/scenario/reset', { rate: 1 });
    const st = await stats(s);
    expect(st.invitations.sent).toBe(0);
    expect(st.events.stored).toBe(0);
    expect(await s.client.mappings.list()).toHaveLength(3);
    expect(await s.client.subscriptions.list()).toHaveLength(11);
    s.sandbox.scenario.generate(3);
    expect(s.sandbox.state.invitations.list().map((r) => r.doc._id).some((id) => before.includes(id))).toBe(false);
    expect((await s.client.events.query({})).events).toHaveLength(3);
  });
});
