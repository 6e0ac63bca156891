import type { WireError } from './wire-client.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allEvents, CASE_MAPPING, INVITATION_MAPPING, rejection, startSandbox, type Running } from './harness.js';

let s: Running;
beforeEach(async () => {
  s = await startSandbox();
});
afterEach(() => s.close());

const httpError = (err: unknown) => err as WireError;

describe('sandbox mappings and subscriptions', () => {
  it('creates, lists, replaces and deletes mappings with 24-hex ids', async () => {
    const created = await s.client.mappings.create(INVITATION_MAPPING);
    expect(created.id).toMatch(/^[0-9a-f]{24}$/);
    expect(created.fields).toEqual(INVITATION_MAPPING.fields);
    const updated = await s.client.mappings.update(created.id, { ...CASE_MAPPING, name: 'renamed' });
    expect(updated).toMatchObject({ id: created.id, name: 'renamed', model: 'Case' });
    expect((await s.client.mappings.list()).map((m) => m.name)).toEqual(['renamed']);
    await s.client.mappings.delete(created.id);
    expect(await s.client.mappings.list()).toEqual([]);
  });

  it('rejects an invalid mapping with a 400 naming the field', async () => {
    const err = httpError(await rejection(s.client.mappings.create({ name: 'x', model: 'Banana', fields: [] })));
    expect(err.status).toBe(400);
    expect(err.body).toMatchObject({ error: 'invalid_request', issues: [{ path: 'model' }] });
    const badPath = httpError(await rejection(s.client.mappings.create({ name: 'x', model: 'Case', fields: [{ external: 'a b', lexamica: 'c' }] })));
    expect((badPath.body as { message: string }).message).toContain('fields.0.external');
  });

  it('requires an existing mapping, defaults active to true and allows one subscription per event', async () => {
    const mapping = await s.client.mappings.create(INVITATION_MAPPING);
    const missing = httpError(await rejection(s.client.subscriptions.create({ event: 'Case Invitation Sent', mapping: 'ffffffffffffffffffffffff' })));
    expect(missing.status).toBe(400);
    expect((missing.body as { message: string }).message).toMatch(/^mapping/);
    const noEvent = httpError(await rejection(s.client.subscriptions.create({ event: '', mapping: mapping.id })));
    expect((noEvent.body as { message: string }).message).toMatch(/^event/);
    const sub = await s.client.subscriptions.create({ event: 'Case Invitation Sent', mapping: mapping.id, description: 'new ones' });
    expect(sub).toMatchObject({ event: 'Case Invitation Sent', mapping: mapping.id, description: 'new ones', active: true });
    expect(httpError(await rejection(s.client.subscriptions.create({ event: 'Case Invitation Sent', mapping: mapping.id }))).status).toBe(409);
    expect(httpError(await rejection(s.client.mappings.delete(mapping.id))).status).toBe(409);
  });

  it('stores events only while a subscription for their type is active', async () => {
    const mapping = await s.client.mappings.create(INVITATION_MAPPING);
    s.sandbox.scenario.generate(1);
    expect(await allEvents(s.client)).toHaveLength(0);
    const sub = await s.client.subscriptions.create({ event: 'Case Invitation Sent', mapping: mapping.id });
    s.sandbox.scenario.generate(2);
    expect(await allEvents(s.client)).toHaveLength(2);
    expect((await s.client.subscriptions.update(sub.id, { active: false })).active).toBe(false);
    s.sandbox.scenario.generate(1);
    expect(await allEvents(s.client)).toHaveLength(2);
    await s.client.subscriptions.delete(sub.id);
    expect(await s.client.subscriptions.list()).toEqual([]);
  });
});
