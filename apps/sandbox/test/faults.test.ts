import { WireError, WireNetworkError } from './wire-client.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultConfigInput, FaultKind } from '../src/faults/fault-config.js';
import type { SandboxStats } from '../src/state/sandbox-state.js';
import { allEvents, createClock, rejection, setUpFirm, startSandbox, T0, type Running } from './harness.js';

let s: Running | undefined;
afterEach(() => s?.close());

async function setFaults(r: Running, faults: FaultConfigInput): Promise<Response> {
  return r.raw('/__sandbox/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
}
const injected = async (r: Running, kind: FaultKind) => ((await (await r.raw('/__sandbox/stats')).json()) as SandboxStats).faults.byKind[kind];

describe('fault injection', () => {
  it('answers profile calls with the configured 5xx, never /__sandbox, and counts them', async () => {
    s = await startSandbox();
    expect((await setFaults(s, { serverError: { rate: 1, status: 502 } })).status).toBe(200);
    const err = (await rejection(s.client.mappings.list())) as WireError;
    expect(err).toBeInstanceOf(WireError);
    expect(err.status).toBe(502);
    expect((await s.raw('/__sandbox/invitations')).status).toBe(200);
    expect(await injected(s, '5xx')).toBe(1);
  });

  it('answers 429 with Retry-After, then serves again once the fault is off', async () => {
    s = await startSandbox();
    await setFaults(s, { rateLimit: { rate: 1, retryAfterSec: 2 } });
    const limited = (await rejection(s.client.mappings.list())) as WireError;
    expect(limited.status).toBe(429);
    expect(limited.retryAfter).toBe('2');
    await setFaults(s, { rateLimit: { rate: 0 } });
    expect(await s.client.mappings.list()).toEqual([]);
    expect(await injected(s, '429')).toBe(1);
  });

  it('adds latency within the configured range', async () => {
    s = await startSandbox();
    await setFaults(s, { latency: { rate: 1, minMs: 120, maxMs: 150 } });
    const started = performance.now();
    await s.client.mappings.list();
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
    expect(await injected(s, 'latency')).toBe(1);
  });

  it('resets the connection without an answer', async () => {
    s = await startSandbox();
    await setFaults(s, { reset: { rate: 1 } });
    expect(await rejection(s.client.mappings.list())).toBeInstanceOf(WireNetworkError);
    expect(await injected(s, 'reset')).toBe(1);
    await setFaults(s, { reset: { rate: 0 } });
    expect(await s.client.mappings.list()).toEqual([]);
  });

  it('stores an event twice under the same id', async () => {
    s = await startSandbox({ now: createClock().now });
    await setUpFirm(s.client);
    await setFaults(s, { duplicateEvent: { rate: 1 } });
    s.sandbox.scenario.generate(2);
    const events = await allEvents(s.client);
    expect(events).toHaveLength(4);
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
    expect(events[0]).toEqual(events[1]);
    expect(await injected(s, 'duplicate')).toBe(2);
  });

  it('stores late events before ones already served, inside the window', async () => {
    const clock = createClock();
    s = await startSandbox({ now: clock.now });
    await setUpFirm(s.client);
    s.sandbox.scenario.generate(1);
    const served = await allEvents(s.client);
    clock.advance(10_000);
    await setFaults(s, { lateEvent: { rate: 1, windowMs: 30_000 } });
    s.sandbox.scenario.generate(1);
    const late = (await allEvents(s.client)).find((e) => !served.some((x) => x.id === e.id))!;
    expect(Date.parse(late.createdAt)).toBeLessThan(T0 + 10_000);
    expect(Date.parse(late.createdAt)).toBeGreaterThanOrEqual(T0 + 10_000 - 30_000);
    expect(await injected(s, 'late')).toBe(1);
  });

  it('puts many events on one timestamp while the clock moves', async () => {
    const clock = createClock();
    s = await startSandbox({ now: clock.now });
    await setUpFirm(s.client);
    await setFaults(s, { sameTimestamp: { rate: 1, count: 5 } });
    for (let i = 0; i < 5; i++) {
      s.sandbox.scenario.generate(1);
      clock.advance(1_000);
    }
    const events = await allEvents(s.client);
    expect(new Set(events.map((e) => e.createdAt))).toEqual(new Set([new Date(T0).toISOString()]));
    expect(await injected(s, 'sameTimestamp')).toBe(1);
  });

  it('rejects a bad fault setting with a 400 naming it', async () => {
    s = await startSandbox();
    const res = await setFaults(s, { serverError: { rate: 3 } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/^serverError\.rate/);
  });
});
