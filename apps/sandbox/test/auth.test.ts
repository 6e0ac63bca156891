import { LexamicaHttpError, resolveProfile } from '@lexbridge/lexamica-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejection, startSandbox, type Running } from './harness.js';

let s: Running;
beforeEach(async () => {
  s = await startSandbox();
});
afterEach(() => s.close());

const status = (err: unknown) => (err as LexamicaHttpError).status;

describe('sandbox auth', () => {
  it('answers 401 with an error body when the key is missing or unknown', async () => {
    const res = await s.raw('/organization/{orgId}/mappings');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'unauthorized', message: expect.any(String) });
    const wrong = s.clientWith({ privateKey: 'sk_wrong_key_123456', publicKey: 'pk_wrong_key_123456' });
    expect(status(await rejection(wrong.mappings.list()))).toBe(401);
    expect(status(await rejection(wrong.invitations.get('abc')))).toBe(401);
  });

  it('answers 403 when a valid key of the other kind is used', async () => {
    const { org } = s.sandbox.state;
    const swapped = s.clientWith({ publicKey: org.privateKey, privateKey: org.publicKey });
    const err = await rejection(swapped.mappings.list());
    expect(err).toBeInstanceOf(LexamicaHttpError);
    expect(status(err)).toBe(403);
    expect(status(await rejection(swapped.events.query({})))).toBe(403);
    const [doc] = s.sandbox.scenario.generate(1);
    expect(status(await rejection(swapped.invitations.get(doc!.doc._id)))).toBe(403);
  });

  it('takes the public key as ?key= but never the private key in a URL', async () => {
    const { org } = s.sandbox.state;
    const [rec] = s.sandbox.scenario.generate(1);
    const ok = await s.raw(`/organization/{orgId}/case-invitations/${rec!.doc._id}?key=${org.publicKey}`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ _id: rec!.doc._id, status: 'open' });
    expect((await s.raw(`/organization/{orgId}/stored-events?key=${org.privateKey}`)).status).toBe(401);
    expect((await s.raw(`/organization/{orgId}/stored-events?key=${org.publicKey}`)).status).toBe(403);

    const queryKeyProfile = resolveProfile({ auth: { public: { in: 'query', name: 'key' } } });
    const viaQuery = s.clientWith({ profile: queryKeyProfile });
    expect((await viaQuery.invitations.get(rec!.doc._id)).status).toBe('open');
  });

  it('refuses a valid key on another organisation and a malformed Authorization header', async () => {
    const other = s.clientWith({ orgId: 'ffffffffffffffffffffffff' });
    expect(status(await rejection(other.mappings.list()))).toBe(403);
    const res = await s.raw('/organization/{orgId}/mappings', { headers: { authorization: 'Basic abc' } });
    expect(res.status).toBe(401);
  });

  it('leaves /__sandbox open without a key', async () => {
    const res = await s.raw('/__sandbox/stats');
    expect(res.status).toBe(200);
  });
});
