/**
 * Two-way status sync end to end: the sandbox as Lexamica, the real poller and a processor on a
 * private key prefix, and a real HTTP server on loopback playing the firm's CMS webhook endpoint.
 * Outbound work is queued exactly as the API queues it (`outbound.send`, job id from the
 * Idempotency-Key); assertions are on what the sandbox and the CMS received.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPollerService } from '@lexbridge/poller';
import { createProcessorService, PROCESSOR_QUEUES, type ProcessorService } from '@lexbridge/processor';
import { signPayload, verifySignature, type FeedEntry } from '@lexbridge/core/feed';
import { enqueue, jobIdFor, type JobPayload, type QueueSet } from '@lexbridge/core/jobs';
import { createLogger } from '@lexbridge/infra/logger';
import { createKeyspace, createRedis } from '@lexbridge/infra/redis';
import { deleteKeys, redisUrl, uniquePrefix, waitFor } from '@lexbridge/testkit';
import { acceptingFirm, startSandbox, type RunningSandbox, FAST_POLLER_TIMING } from './harness.js';
import { personalDataPolicy } from '@lexbridge/core/firm-config';

const logger = createLogger({ name: 'e2e-status-sync', level: 'silent' });
const SECRET = 'cms-webhook-secret-e2e-0123456789';
const DOC = fileURLToPath(new URL('../docs/cms-webhooks.md', import.meta.url));
const DAY = 86_400_000;
const NO_FAULTS = { serverError: { rate: 0 }, rateLimit: { rate: 0 }, latency: { rate: 0 }, reset: { rate: 0 } };
// A fast poll, and no reconciliation sweep during the test.
const timing = FAST_POLLER_TIMING;
const workerOptions = { lockDuration: 2_000, stalledInterval: 1_000 };

/** Live, accepting every invitation but the ones named manual; the guards only alert. */
const firmConfig = (manualIds: string[]) => acceptingFirm(manualIds, { expiryGuard: { manual: { before: '1h', do: 'alert' }, evaluate: { before: '1h', do: 'alert' } } });

/** A webhook endpoint as a CMS would run it: records every delivery; fails with 500 while `failing`. */
interface Delivery {
  headers: IncomingHttpHeaders;
  raw: Buffer;
  status: number;
}
function startCms(): Promise<{ server: Server; url: string; deliveries: Delivery[]; control: { failing: boolean } }> {
  const deliveries: Delivery[] = [];
  const control = { failing: false };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = control.failing ? 500 : 204;
      deliveries.push({ headers: req.headers, raw: Buffer.concat(chunks), status });
      res.writeHead(status).end(status === 500 ? 'CMS database unavailable' : undefined);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/hooks/lexbridge`, deliveries, control });
    });
  });
}

let env: RunningSandbox;
let cms: Awaited<ReturnType<typeof startCms>>;
let prefix: string;
let processor: ProcessorService;
let queues: QueueSet;
let accepted: { invitationId: string; caseId: string }[];
let manual: { invitationId: string; caseId: string };
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  env = await startSandbox();
  closers.push(() => env.close());
  cms = await startCms();
  closers.push(() => new Promise<void>((r) => cms.server.close(() => r())));
  prefix = uniquePrefix('e2e-sync');
  closers.push(async () => {
    const r = createRedis(redisUrl(), 'worker');
    await deleteKeys(r, prefix);
    r.disconnect();
  });

  const docs = env.sandbox.scenario.generate(6).map((r) => r.doc);
  manual = { invitationId: docs[0]!._id, caseId: docs[0]!.referral._id };
  accepted = docs.slice(1).map((d) => ({ invitationId: d._id, caseId: d.referral._id }));

  const pollerRedis = createRedis(redisUrl(), 'worker');
  const poller = createPollerService({ client: env.client, redis: pollerRedis, redisPrefix: prefix, logger, timing, personalData: personalDataPolicy(env.firm) });
  poller.start();
  closers.push(async () => {
    await poller.close();
    pollerRedis.disconnect();
  });

  const redis = createRedis(redisUrl(), 'worker');
  processor = createProcessorService({
    redis,
    keyspace: createKeyspace(prefix),
    client: env.client,
    firm: firmConfig([manual.invitationId]),
    logger,
    expirySafetyMs: 300,
    workerOptions,
    webhook: { url: cms.url, secret: SECRET, timeoutMs: 2_000 },
    // The 90-day check runs on its own processor below, with a clock 85 days ahead.
    queues: PROCESSOR_QUEUES.filter((q) => q !== 'maintenance'),
  });
  await processor.start();
  closers.push(async () => {
    await processor.close();
    redis.disconnect();
  });
  queues = processor.queues;

  await waitFor(
    async () => {
      const records = await Promise.all(docs.map((d) => processor.ledger.get(d._id)));
      return records.filter((r) => r?.state === 'done').length === accepted.length && records.some((r) => r?.invitationId === manual.invitationId && r.state === 'manual');
    },
    { timeoutMs: 30_000, message: 'five invitations accepted and one left manual' },
  );
});

afterAll(async () => {
  env?.sandbox.state.faults.update(NO_FAULTS);
  while (closers.length) await closers.pop()!();
});

/** Queues outbound work the way the API does: job id from the Idempotency-Key. */
function queueOutbound(key: string, kind: 'case-update' | 'milestone', body: Record<string, unknown>, opts: { backoff?: { type: 'fixed'; delay: number } } = {}) {
  // Parsed by enqueue against the catalog's schema, as the API's payloads are.
  const payload = { idempotencyKey: key, kind, body } as JobPayload<'outbound.send'>;
  return enqueue(queues, 'outbound.send', payload, { jobId: jobIdFor('outbound', key), ...opts });
}

async function sentOutbound(key: string, timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const job = await queues.get('outbound').getJob(jobIdFor('outbound', key));
      const state = await job?.getState();
      if (state === 'failed') throw new Error(`outbound ${key} failed: ${job?.failedReason}`);
      return state === 'completed' ? job : undefined;
    },
    { timeoutMs, message: `outbound ${key} sent` },
  );
}

const updatesOn = (caseId: string) => env.sandbox.state.caseUpdates.list().filter((u) => u.referral._id === caseId && u.author.firm === 'handler');
const feedItems = async (): Promise<FeedEntry[]> => {
  const all: FeedEntry[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await processor.feed.read(after, 500);
    if (page.items.length === 0) return all;
    all.push(...page.items);
    after = page.next ?? undefined;
  }
};
const update = (caseId: string, title: string) => ({ caseId, title, content: `${title}: details for the originator.`, date: new Date().toISOString() });

describe('status updates from the CMS to Lexamica', () => {
  it('sends an update queued twice under one Idempotency-Key once', async () => {
    const { caseId } = accepted[0]!;
    await queueOutbound('sync-once-1', 'case-update', update(caseId, 'Client interviewed'));
    await queueOutbound('sync-once-1', 'case-update', update(caseId, 'Client interviewed'));
    await sentOutbound('sync-once-1');
    await queueOutbound('sync-once-1', 'case-update', update(caseId, 'Client interviewed'));
    await waitFor(async () => (await feedItems()).some((i) => i.id === `outbound:${jobIdFor('outbound', 'sync-once-1')}`));
    expect(updatesOn(caseId).filter((u) => u.title === 'Client interviewed')).toHaveLength(1);
    expect((await feedItems()).filter((i) => i.type === 'outbound.sent' && i.data.idempotencyKey === 'sync-once-1')).toHaveLength(1);
  });

  it('delays but loses nothing through a Lexamica 5xx outage', async () => {
    const { caseId } = accepted[1]!;
    const keys = Array.from({ length: 6 }, (_, i) => `sync-outage-${i}`);
    const faultsBefore = env.sandbox.state.faults.counts().byKind['5xx'] ?? 0;
    env.sandbox.state.faults.update({ serverError: { rate: 1, status: 503 } });
    try {
      // Short fixed retries keep the test quick; the catalog's own backoff is exponential from 2 s.
      for (const key of keys) await queueOutbound(key, 'case-update', update(caseId, `Outage update ${key}`), { backoff: { type: 'fixed', delay: 250 } });
      await waitFor(
        async () => {
          const jobs = await Promise.all(keys.map((k) => queues.get('outbound').getJob(jobIdFor('outbound', k))));
          return jobs.every((j) => (j?.attemptsMade ?? 0) >= 2);
        },
        { timeoutMs: 20_000, message: 'every update failed at least twice during the outage' },
      );
      expect(updatesOn(caseId).filter((u) => u.title.startsWith('Outage update'))).toHaveLength(0);
    } finally {
      env.sandbox.state.faults.update(NO_FAULTS);
    }
    for (const key of keys) await sentOutbound(key);
    const titles = updatesOn(caseId).map((u) => u.title).filter((t) => t.startsWith('Outage update')).sort();
    expect(titles).toEqual(keys.map((k) => `Outage update ${k}`).sort());
    expect((env.sandbox.state.faults.counts().byKind['5xx'] ?? 0) - faultsBefore).toBeGreaterThanOrEqual(keys.length * 2);
  });

  it('sends each milestone to Lexamica as the call it stands for', async () => {
    const a = accepted[2]!;
    const closing = accepted[3]!;
    const actionsOf = (id: string, action: string) => env.sandbox.state.actions.filter((x) => x.invitationId === id && x.action === action && x.outcome === 'ok');

    await queueOutbound('ms-contact', 'milestone', { caseId: a.caseId, type: 'contact-attempted', attemptedAt: new Date().toISOString(), channel: 'phone' });
    await queueOutbound('ms-consult', 'milestone', { caseId: a.caseId, type: 'consult-complete', completedAt: new Date().toISOString() });
    await queueOutbound('ms-declined', 'milestone', { caseId: manual.caseId, type: 'declined', reason: 'conflict of interest' });
    await queueOutbound('ms-closed', 'milestone', { caseId: closing.caseId, type: 'closed', feeOutcome: 'fee', feeAmount: 42_000 });
    // The retained milestone's PDF waits in Redis as the API leaves it (uploads.ts): base64 under upload:<job id>.
    const pdf = Buffer.from('%PDF-1.7\n% signed retainer\n%%EOF\n');
    const jobId = jobIdFor('outbound', 'ms-retained');
    const key = createKeyspace(prefix).key('upload', jobId);
    const redis = createRedis(redisUrl(), 'worker');
    try {
      await redis.set(key, pdf.toString('base64'), 'EX', 3_600);
      const sha256 = createHash('sha256').update(pdf).digest('hex');
      const file = { key, encoding: 'base64', filename: 'retainer.pdf', contentType: 'application/pdf', size: pdf.length, sha256, expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
      await queueOutbound('ms-retained', 'milestone', { caseId: a.caseId, type: 'retained', file });
      for (const k of ['ms-contact', 'ms-consult', 'ms-declined', 'ms-closed', 'ms-retained']) await sentOutbound(k);

      expect(actionsOf(a.invitationId, 'contact-attempted')).toHaveLength(1);
      expect(actionsOf(a.invitationId, 'consult-complete')).toHaveLength(1);
      expect(actionsOf(manual.invitationId, 'decline')).toHaveLength(1);
      expect(env.sandbox.state.invitations.get(manual.invitationId)?.doc.status).toBe('declined');
      expect(updatesOn(closing.caseId)).toEqual([expect.objectContaining({ stage: 'Closed', title: 'Case closed with a fee', content: 'The case closed with a fee of $42,000.00.' })]);
      const files = env.sandbox.state.files.list().filter((f) => f.caseId === a.caseId);
      expect(files).toEqual([expect.objectContaining({ via: 'upload', filename: 'retainer.pdf', contentType: 'application/pdf', sha256 })]);
      expect(updatesOn(a.caseId)).toEqual([expect.objectContaining({ stage: 'Retained', title: 'Client retained' })]);
      expect(await redis.exists(key)).toBe(0);
      // Lexamica's Declined event closes the ledger record that was waiting for a person.
      await waitFor(async () => (await processor.ledger.get(manual.invitationId))?.state === 'closed', { timeoutMs: 10_000 });
    } finally {
      redis.disconnect();
    }
  });
});

describe('the CMS webhook', () => {
  it('signs deliveries so the documented Node and shell recipes verify them, and not with a wrong secret or an old timestamp', async () => {
    const doc = readFileSync(DOC, 'utf8');
    const nodeRecipe = /<!-- recipe:node[^>]*-->\s*```js\n([\s\S]*?)```/.exec(doc)?.[1];
    const shellRecipe = /<!-- recipe:shell[^>]*-->\s*```sh\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(nodeRecipe).toBeDefined();
    expect(shellRecipe).toBeDefined();
    const dir = await mkdtemp(join(tmpdir(), 'lexbridge-recipe-'));
    try {
      await writeFile(join(dir, 'recipe.mjs'), nodeRecipe!);
      const { verifyLexbridgeSignature: verify } = (await import(/* @vite-ignore */ pathToFileURL(join(dir, 'recipe.mjs')).href)) as {
        verifyLexbridgeSignature: (secret: string, header: string | undefined, raw: Buffer | string, toleranceSec?: number) => boolean;
      };
      const delivered = await waitFor(() => cms.deliveries.filter((d) => d.status === 204).slice(0, 20), { message: 'deliveries' });
      for (const d of delivered) {
        const header = d.headers['lexbridge-signature'] as string;
        expect(verify(SECRET, header, d.raw)).toBe(true);
        expect(verifySignature(SECRET, header, d.raw)).toBe(true);
        expect(verify('a-wrong-secret-0123456789', header, d.raw)).toBe(false);
        expect(JSON.parse(d.raw.toString('utf8')).id).toBe(d.headers['lexbridge-event-id']);
      }
      const body = delivered[0]!.raw;
      const now = Math.floor(Date.now() / 1000);
      expect(verify(SECRET, signPayload(SECRET, body, now - 600), body)).toBe(false);
      expect(verify(SECRET, signPayload(SECRET, body, now - 60), body)).toBe(true);
      expect(verify(SECRET, delivered[0]!.headers['lexbridge-signature'] as string, Buffer.concat([body, Buffer.from(' ')]))).toBe(false);

      await writeFile(join(dir, 'body.json'), body);
      const sh = (secret: string) =>
        promisify(execFile)('bash', ['-c', shellRecipe!], { cwd: dir, env: { PATH: process.env.PATH, HEADER: delivered[0]!.headers['lexbridge-signature'] as string, CMS_WEBHOOK_SECRET: secret } });
      expect((await sh(SECRET)).stdout.trim()).toBe('valid');
      expect((await sh('a-wrong-secret-0123456789')).stdout.trim()).toBe('INVALID');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('delivers every feed item to a CMS endpoint that failed for a while, once it recovers', async () => {
    cms.control.failing = true;
    const { caseId, invitationId } = accepted[4]!;
    let newIds: string[] = [];
    try {
      const before = new Set((await feedItems()).map((i) => i.id));
      // New items while the CMS is down: an outbound update, and the originator's update arriving as an event.
      await queueOutbound('sync-cms-down', 'case-update', update(caseId, 'Records requested'));
      env.sandbox.state.caseUpdates.postFromOriginator(invitationId);
      newIds = await waitFor(
        async () => {
          const ids = (await feedItems()).map((i) => i.id).filter((id) => !before.has(id));
          return ids.length >= 2 && ids.some((id) => id.startsWith('event:')) ? ids : undefined;
        },
        { timeoutMs: 20_000, message: 'new feed items while the CMS is down' },
      );
      await waitFor(() => newIds.every((id) => cms.deliveries.some((d) => d.headers['lexbridge-event-id'] === id && d.status === 500)), {
        timeoutMs: 20_000,
        message: 'every new item refused by the CMS at least once',
      });
    } finally {
      cms.control.failing = false;
    }

    // Recovered: the retries (seconds apart, on the catalog's schedule) deliver everything.
    const feed = await waitFor(
      async () => {
        const items = await feedItems();
        const delivered = new Set(cms.deliveries.filter((d) => d.status === 204).map((d) => d.headers['lexbridge-event-id'] as string));
        return items.every((i) => delivered.has(i.id)) ? items : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, message: 'every feed item delivered after the CMS recovered' },
    );
    const deliveredIds = new Set(cms.deliveries.filter((d) => d.status === 204).map((d) => d.headers['lexbridge-event-id'] as string));
    // As the CMS dedupes by lexbridge-event-id: exactly the feed's items, each at least once.
    expect([...deliveredIds].sort()).toEqual(feed.map((i) => i.id).sort());
    expect(new Set(feed.map((i) => i.id)).size).toBe(feed.length);
    for (const id of newIds) expect(cms.deliveries.filter((d) => d.headers['lexbridge-event-id'] === id && d.status === 204).length).toBeGreaterThanOrEqual(1);
    expect(await queues.get('cms-webhook').getJobCountByTypes('failed')).toBe(0);
  });
});

describe('the 90-day rule', () => {
  it('announces each accepted case nearing the limit once, however often the check runs', async () => {
    const redis = createRedis(redisUrl(), 'worker');
    const later = createProcessorService({
      redis,
      keyspace: createKeyspace(prefix),
      client: env.client,
      firm: firmConfig([manual.invitationId]),
      logger,
      now: () => new Date(Date.now() + 85 * DAY),
      webhook: { url: cms.url, secret: SECRET },
      queues: ['maintenance'],
      workerOptions,
    });
    try {
      // Starting it upserts the scheduler, whose first run comes at once.
      await later.start();
      // Every accepted case is tracked from its acceptance; the closed one is not any more.
      const expected = accepted.filter((c) => c.caseId !== accepted[3]!.caseId).map((c) => c.caseId).sort();
      const due = await waitFor(
        async () => {
          const items = (await feedItems()).filter((i) => i.type === 'case.update-due');
          return items.length >= expected.length ? items : undefined;
        },
        { timeoutMs: 20_000, message: 'case.update-due announced' },
      );
      expect(due.map((i) => i.data.caseId).sort()).toEqual(expected);
      expect(due.every((i) => i.data.overdue === false && (i.data.daysLeft as number) >= 4)).toBe(true);

      const again = await enqueue(later.queues, 'case.update-due-check', {}, { jobId: 'check-again' });
      await waitFor(async () => (await again.getState()) === 'completed', { timeoutMs: 10_000 });
      expect((await feedItems()).filter((i) => i.type === 'case.update-due')).toHaveLength(expected.length);
      await waitFor(() => due.every((i) => cms.deliveries.some((d) => d.headers['lexbridge-event-id'] === i.id && d.status === 204)), {
        timeoutMs: 20_000,
        message: 'update-due items delivered to the CMS',
      });
    } finally {
      await later.close();
      redis.disconnect();
    }
  });
});
