import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeenStore, intakeKeys } from '@lexbridge/core/intake';
import { jobIdFor } from '@lexbridge/core/jobs';
import { createKeyspace } from '@lexbridge/infra/redis';
import { delivery, startTestReceiver, type Delivery, type TestReceiver } from '../test/harness.js';

let n = 0;
const storedEvent = (over: Record<string, unknown> = {}) => ({
  _id: `wh-ev-${++n}`,
  event: 'Case Invitation Sent',
  subscription: 'sub-1',
  mapping: 'map-1',
  createdAt: new Date().toISOString(),
  payload: { id: `inv-${n}`, case_type: 'Employment' },
  ...over,
});

describe('the webhook receiver', () => {
  let t: TestReceiver;
  const metric = async (name: string, label: string) => {
    const m = await t.service.registry.getSingleMetric(name)?.get();
    return m?.values.filter((v) => Object.values(v.labels).includes(label)).reduce((a, v) => a + v.value, 0) ?? 0;
  };

  beforeAll(async () => {
    t = await startTestReceiver('receiver');
  });
  afterAll(() => t.close());

  it('enqueues a signed delivery as the same job a polled event becomes, and answers 202', async () => {
    const e = storedEvent();
    const res = await t.service.app.inject(delivery(e));
    expect(res.statusCode).toBe(202);
    const job = await t.service.queues.get('invitations').getJob(jobIdFor('ev', e._id));
    expect(job?.name).toBe('invitation.sent');
    expect(job?.data).toMatchObject({ id: e._id, event: e.event, mappingId: 'map-1', payload: e.payload });
    expect(await metric('lexbridge_receiver_deliveries_total', 'accepted')).toBe(1);
  });

  it('takes a repeated delivery once, and one polling already enqueued not at all', async () => {
    const e = storedEvent();
    expect((await t.service.app.inject(delivery(e))).statusCode).toBe(202);
    const again = await t.service.app.inject(delivery(e));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ status: 'duplicate' });
    // The poller records what it enqueued in the same seen-id memory.
    const polled = storedEvent();
    await createSeenStore(t.redis, intakeKeys(createKeyspace(t.prefix))).remember([{ id: polled._id, createdAtMs: Date.parse(polled.createdAt) }]);
    expect((await t.service.app.inject(delivery(polled))).json()).toEqual({ status: 'duplicate' });
    expect(await t.service.queues.get('invitations').getJob(jobIdFor('ev', polled._id))).toBeUndefined();
    expect(await metric('lexbridge_receiver_deliveries_total', 'duplicate')).toBe(2);
  });

  it('leaves an event the poller is enqueueing to the poller', async () => {
    const e = storedEvent();
    const { claimed } = await createSeenStore(t.redis, intakeKeys(createKeyspace(t.prefix))).claim([e._id]);
    expect(claimed.has(e._id)).toBe(true);
    expect((await t.service.app.inject(delivery(e))).json()).toEqual({ status: 'duplicate' });
    expect(await t.service.queues.get('invitations').getJob(jobIdFor('ev', e._id))).toBeUndefined();
  });

  it('refuses bad signatures, replays, oversized, non-JSON and malformed bodies with their status, counted and never enqueued', async () => {
    const cases: Array<[string, Delivery, number, string]> = [
      ['wrong secret', delivery(storedEvent(), { secret: 'some-other-secret-012345' }), 401, 'bad-signature'],
      ['no signature', { ...delivery(storedEvent()), headers: { 'content-type': 'application/json' } }, 401, 'missing-signature'],
      ['replayed 10 minutes later', delivery(storedEvent(), { atSec: Math.floor(Date.now() / 1000) - 600 }), 400, 'stale-timestamp'],
      ['over maxBodyBytes', delivery(storedEvent({ payload: { notes: 'x'.repeat(5_000) } })), 413, 'too-large'],
      ['not JSON', delivery('{"_id": "half'), 400, 'malformed'],
      ['not a stored event', delivery({ hello: 'world' }), 400, 'malformed'],
      ['another media type', delivery(storedEvent(), { contentType: 'text/plain' }), 415, 'unsupported-media-type'],
    ];
    const before = await t.service.queues.get('invitations').count();
    for (const [what, req, status, reason] of cases) {
      const res = await t.service.app.inject(req);
      expect(res.statusCode, what).toBe(status);
      expect(res.json(), what).toMatchObject({ error: reason });
      expect(await metric('lexbridge_receiver_rejected_total', reason), what).toBeGreaterThanOrEqual(1);
    }
    expect(await t.service.queues.get('invitations').count()).toBe(before);
  });

  it('serves nothing but the delivery route and its health', async () => {
    expect((await t.service.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    for (const url of ['/metrics', '/health/ready', '/v1/events', '/admin/queues', '/docs']) {
      expect((await t.service.app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
    }
  });
});
