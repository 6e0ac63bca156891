import { describe, expect, it } from 'vitest';
import { startSandbox } from './harness.js';

// Issue 23: a test's afterAll closing the sandbox hung for its whole 60 s hook timeout on a busy
// machine: close() waited for a request still in flight (a latency fault, a slow answer) and for
// keep-alive connections its clients went on using. A local Lexamica for tests and demos has no
// answer worth waiting for at close: it ends every connection.
describe('closing the sandbox', () => {
  it('ends a request still in flight instead of waiting for its answer', async () => {
    const s = await startSandbox();
    expect(s.sandbox.state.faults.update({ latency: { rate: 1, minMs: 60_000, maxMs: 60_000 } }).error).toBeUndefined();
    const inFlight = s.raw('/organization/{orgId}/stored-events').then(
      (r) => `answered ${r.status}`,
      () => 'connection ended',
    );
    await new Promise((r) => setTimeout(r, 50));
    // Were close() to wait for the 60-second answer, this test would time out.
    await s.close();
    expect(await inFlight).toBe('connection ended');
  });
});
