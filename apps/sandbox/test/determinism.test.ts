import { afterEach, describe, expect, it } from 'vitest';
import { allEvents, createClock, setUpFirm, startSandbox, type Running } from './harness.js';

const opened: Running[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((r) => r.close()));
});

async function run(seed: number) {
  const r = await startSandbox({ seed, now: createClock().now, scenario: { cancelRate: 0.3, updateRate: 0.5, closeRate: 0.2, sameTimestampBurst: { rate: 0.2, size: 3 } } });
  opened.push(r);
  const ids = await setUpFirm(r.client);
  r.sandbox.scenario.generate(10);
  for (const rec of r.sandbox.state.invitations.list().slice(0, 5)) {
    await r.client.invitations.act({ mappingId: ids.invitation, invitationId: rec.doc._id, action: 'accept' });
  }
  for (let i = 0; i < 30; i++) r.sandbox.scenario.tick();
  return { r, ids, events: await allEvents(r.client), invitations: r.sandbox.state.invitations.list().map((x) => x.doc) };
}

describe('determinism', () => {
  it('gives two sandboxes with one seed the same keys, ids, invitations and events', async () => {
    const a = await run(42);
    const b = await run(42);
    expect(b.r.sandbox.state.org).toEqual(a.r.sandbox.state.org);
    expect(b.ids).toEqual(a.ids);
    expect(b.invitations).toEqual(a.invitations);
    expect(a.invitations.length).toBeGreaterThan(30);
    expect(b.events).toEqual(a.events);
    expect(new Set(a.events.map((e) => e.event)).size).toBeGreaterThan(3);
  });

  it('gives another seed different invitations and keys', async () => {
    const a = await run(42);
    const c = await run(43);
    expect(c.r.sandbox.state.org.publicKey).not.toBe(a.r.sandbox.state.org.publicKey);
    expect(c.invitations.map((d) => d._id)).not.toEqual(a.invitations.map((d) => d._id));
    expect(c.invitations.map((d) => d.referral.client)).not.toEqual(a.invitations.map((d) => d.referral.client));
  });
});
