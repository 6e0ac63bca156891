import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejection, startSandbox, type Running } from './harness.js';
import type { WireError } from './wire-client.js';

let s: Running;
beforeEach(async () => {
  s = await startSandbox();
});
afterEach(() => s.close());

const status = (err: unknown) => (err as WireError).status;

describe('sandbox auth (default profile: Authorization: Key <key>)', () => {
  it('answers 401 with an error body when the key is missing or unknown', async () => {
    const res = await s.raw('/organization/{orgId}/mappings');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'unauthorized', message: 'this call needs the private key in the header "authorization: Key <key>"' });
    const wrong = s.clientWith({ privateKey: 'sk_wrong_key_123456', publicKey: 'pk_wrong_key_123456' });
    expect(status(await rejection(wrong.mappings.list()))).toBe(401);
    expect(status(await rejection(wrong.invitations.get('abc')))).toBe(401);
  });

  it('answers 403 when a valid key of the other kind is used', async () => {
    const { org } = s.sandbox.state;
    const swapped = s.clientWith({ publicKey: org.privateKey, privateKey: org.publicKey });
    expect(status(await rejection(swapped.mappings.list()))).toBe(403);
    expect(status(await rejection(swapped.events.query({})))).toBe(403);
    const [rec] = s.sandbox.scenario.generate(1);
    expect(status(await rejection(swapped.invitations.get(rec!.doc._id)))).toBe(403);
  });

  it('takes the key only where the profile puts it: Bearer or a query parameter is a 401 that says where', async () => {
    const { org } = s.sandbox.state;
    const [rec] = s.sandbox.scenario.generate(1);
    const bearer = await s.raw(`/organization/{orgId}/case-invitations/${rec!.doc._id}`, { headers: { authorization: `Bearer ${org.publicKey}` } });
    expect(bearer.status).toBe(401);
    expect(await bearer.json()).toMatchObject({ message: 'authorization must be "Key <key>"' });
    expect((await s.raw(`/organization/{orgId}/case-invitations/${rec!.doc._id}?key=${org.publicKey}`)).status).toBe(401);
    const ok = await s.raw(`/organization/{orgId}/case-invitations/${rec!.doc._id}`, { headers: { authorization: `Key ${org.publicKey}` } });
    expect(await ok.json()).toMatchObject({ _id: rec!.doc._id, status: 'open' });
  });

  it('refuses a valid key on another organisation', async () => {
    const other = s.clientWith({ orgId: 'ffffffffffffffffffffffff' });
    expect(status(await rejection(other.mappings.list()))).toBe(403);
  });

  it('leaves /__sandbox open without a key', async () => {
    const res = await s.raw('/__sandbox/stats');
    expect(res.status).toBe(200);
  });
});
