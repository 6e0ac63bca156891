import { UnrecoverableError } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature, type FeedItem } from '@lexbridge/core/feed';
import { jobIdFor } from '@lexbridge/core/jobs';
import { ScriptServer } from '@lexbridge/testkit';
import { CmsWebhookError } from '../cms-webhook.js';
import { CLOCK, createHarness, jobContext, type Harness } from '../../test/harness.js';

const SECRET = 'cms-webhook-secret-for-tests';

let cms: ScriptServer;
let h: Harness;
beforeAll(async () => {
  cms = await new ScriptServer().start();
  h = await createHarness('cms-deliver', { now: () => CLOCK, webhook: { url: `${cms.baseUrl}/hooks/lexbridge?token=cms-own-token`, secret: SECRET, timeoutMs: 300 } });
});
afterAll(async () => {
  await h.close();
  await cms.stop();
});

let n = 0;
async function announced(data: Record<string, unknown> = { caseId: 'case-1' }): Promise<FeedItem> {
  const item: FeedItem = { id: `test:${++n}`, type: 'lexamica.event', occurredAt: CLOCK.toISOString(), data };
  await h.ctx.announcer.announce(item);
  return item;
}
const deliver = (itemId: string, attempt = 1, maxAttempts = 15) => h.handlers['cms-webhook']['cms.deliver']({ itemId }, jobContext(attempt, maxAttempts));
const caught = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
const deliveries = async (outcome: string) => (await h.ctx.metrics.webhookDeliveries.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

describe('delivering feed items to the CMS webhook', () => {
  it('queues a delivery for each announced item, once', async () => {
    const item = await announced();
    await h.ctx.announcer.announce(item);
    const job = await h.service.queues.get('cms-webhook').getJob(jobIdFor('cms', item.id));
    expect(job?.data).toEqual({ itemId: item.id });
    expect(await h.service.queues.get('cms-webhook').getJobCountByTypes('waiting')).toBe(1);
  });

  it('queues the delivery of an item a ledger script appended, without appending it again', async () => {
    const { record } = await h.ctx.ledger.receive(
      { invitationId: 'outbox-1', eventId: 'ev-outbox-1', expires: new Date(CLOCK.getTime() + 86_400_000).toISOString() },
      { to: 'manual', note: 'test' },
      { announce: (r) => ({ id: `test:outbox:${r.invitationId}`, type: 'invitation.decided', occurredAt: r.updatedAt, data: { state: r.state } }) },
    );
    const item = await h.ctx.feed.get('test:outbox:outbox-1');
    expect(item?.data).toEqual({ state: 'manual' });
    await h.ctx.announcer.appended(() => item!);
    expect((await h.service.queues.get('cms-webhook').getJob(jobIdFor('cms', item!.id)))?.data).toEqual({ itemId: item!.id });
    expect((await h.ctx.feed.read(undefined, 1_000)).items.filter((i) => i.id === item!.id)).toHaveLength(1);
    expect(record.state).toBe('manual');
  });

  it('POSTs the item as JSON with its id, type and a signature the documented check accepts', async () => {
    cms.otherwise(() => ({ status: 204 }));
    const item = await announced({ caseId: 'case-2', note: 'héllo' });
    expect(await deliver(item.id)).toBe('delivered (HTTP 204)');
    const req = cms.requests.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/hooks/lexbridge?token=cms-own-token');
    expect(req.headers).toMatchObject({ 'content-type': 'application/json', 'lexbridge-event-id': item.id, 'lexbridge-event-type': 'lexamica.event' });
    const { cursor } = (await h.service.feed.get(item.id))!;
    expect(JSON.parse(req.body)).toEqual({ ...item, cursor });
    const header = req.headers['lexbridge-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(SECRET, header, req.body)).toBe(true);
    expect(verifySignature('not-the-cms-webhook-secret', header, req.body)).toBe(false);
    expect(verifySignature(SECRET, header, req.body, 300, Math.floor(Date.now() / 1000) + 600)).toBe(false);
    expect(await deliveries('delivered')).toBe(1);
    expect((await h.ctx.metrics.webhookLatency.get()).values.find((v) => v.metricName === 'lexbridge_webhook_delivery_seconds_count')?.value).toBe(1);
  });

  it('fails an attempt the CMS answers with a non-2xx, naming the status but not the URL’s token', async () => {
    cms.otherwise(() => ({ status: 500, rawBody: 'database down' }));
    const item = await announced();
    const err = await caught(deliver(item.id));
    expect(err).toBeInstanceOf(CmsWebhookError);
    expect(err).not.toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toBe(`CMS webhook ${cms.baseUrl}/hooks/lexbridge answered HTTP 500: database down`);
    await caught(deliver(item.id, 15, 15));
    expect(await deliveries('failed')).toBe(1);
    expect(await deliveries('gave-up')).toBe(1);
  });

  it('fails an attempt the CMS does not answer within the timeout', async () => {
    cms.otherwise(() => ({ hang: true }));
    const item = await announced();
    const err = await caught(deliver(item.id));
    expect((err as Error).message).toContain('no answer within 300 ms');
  });

  it('fails at once for an item the feed no longer holds', async () => {
    const err = await caught(deliver('test:never-announced'));
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toContain('feed item test:never-announced is no longer in the feed');
  });
});

describe('a CMS webhook that cannot be reached', () => {
  it('fails the attempt, naming the connection error', async () => {
    const gone = await new ScriptServer().start();
    const url = `${gone.baseUrl}/hooks`;
    await gone.stop();
    const other = await createHarness('cms-deliver-down', { now: () => CLOCK, webhook: { url, secret: SECRET } });
    try {
      const item: FeedItem = { id: 'down:1', type: 'lexamica.event', occurredAt: CLOCK.toISOString(), data: {} };
      await other.ctx.announcer.announce(item);
      const err = await caught(other.handlers['cms-webhook']['cms.deliver']({ itemId: item.id }, jobContext()));
      expect(err).toBeInstanceOf(CmsWebhookError);
      expect((err as Error).message).toContain('unreachable (ECONNREFUSED)');
    } finally {
      await other.close();
    }
  });
});
