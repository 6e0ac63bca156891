/**
 * Observability end to end: the sandbox as Lexamica behind a recording HTTP proxy, the real poller,
 * a processor and the API in one process with an in-memory span exporter. One invitation is one
 * connected trace from the poll that read it to the Lexamica call that answered it; a CMS update
 * one trace from its POST to Lexamica, with the request id in the job, the logs and the header
 * Lexamica receives; the metrics move as the scripted run says they should, a person's decision
 * counted once, by the API; and every service's /metrics (the receiver's too) passes promtool.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenSha256, type App } from '@lexbridge/api';
import { createLexamicaClient, createLexamicaMetrics, type LexamicaClient } from '@lexbridge/lexamica-client';
import { createPollerService } from '@lexbridge/poller';
import { createProcessorService, type ProcessorService } from '@lexbridge/processor';
import { createReceiverService, type ReceiverService } from '@lexbridge/receiver';
import { jobIdFor } from '@lexbridge/core/jobs';
import { createLogger } from '@lexbridge/infra/logger';
import { createMetricsRegistry } from '@lexbridge/infra/ops';
import { createKeyspace, createRedis } from '@lexbridge/infra/redis';
import { startTracing, type Tracing } from '@lexbridge/infra/tracing';
import { metricSample, promtool, redisUrl, scratchPrefix, waitFor } from '@lexbridge/testkit';
import { acceptingFirm, FAST_POLLER_TIMING, startSandbox, type RunningSandbox } from './harness.js';
import { startApi } from './stack.js';
import { personalDataPolicy } from '@lexbridge/core/firm-config';

const TOKEN = 'e2e-observability-token-0123456789';
const NO_FAULTS = { serverError: { rate: 0 }, rateLimit: { rate: 0 }, latency: { rate: 0 }, reset: { rate: 0 } };

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** An HTTP proxy in front of the sandbox that records every request it forwards, headers included. */
function startProxy(target: string): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const to = new URL(target);
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const out = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', (err) => res.writeHead(502).end(err.message));
    req.pipe(out);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })));
}

const exporter = new InMemorySpanExporter();
const lines: Array<Record<string, unknown>> = [];
const closers: Array<() => Promise<void>> = [];
let tracing: Tracing;
let env: RunningSandbox;
let proxy: Awaited<ReturnType<typeof startProxy>>;
let client: LexamicaClient;
let processor: ProcessorService;
let poller: ReturnType<typeof createPollerService>;
let api: App;
let receiver: ReceiverService;
let registry: Registry;
let before: string;
let apiBefore: string;
let manualId: string;
let acceptedIds: string[];
let clientNames: string[];

beforeAll(async () => {
  tracing = await startTracing({ service: 'e2e', config: { enabled: true }, exporter, simple: true });
  closers.push(() => tracing.shutdown());
  env = await startSandbox();
  closers.push(() => env.close());
  proxy = await startProxy(env.baseUrl);
  closers.push(() => new Promise<void>((r) => proxy.server.close(() => r())));
  const { prefix, cleanup } = scratchPrefix('e2e-obs');
  closers.push(cleanup);

  registry = createMetricsRegistry('processor');
  const { org } = env.sandbox.state;
  client = createLexamicaClient({
    baseUrl: proxy.url,
    orgId: org.id,
    publicKey: org.publicKey,
    privateKey: org.privateKey,
    timeoutMs: 5_000,
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    profile: env.client.profile,
    ...createLexamicaMetrics(registry),
  });

  const docs = env.sandbox.scenario.generate(3).map((r) => r.doc);
  manualId = docs[0]!._id;
  acceptedIds = docs.slice(1).map((d) => d._id);
  clientNames = docs.flatMap((d) => Object.values((d as unknown as { client?: Record<string, unknown> }).client ?? {}).filter((v): v is string => typeof v === 'string' && v.length > 3));

  const firm = acceptingFirm([manualId], { expiryGuard: { manual: { before: '1h', do: 'alert' }, evaluate: { before: '1h', do: 'alert' } } });
  const out = new PassThrough();
  out.on('data', (chunk: Buffer) => {
    for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  const logger = createLogger({ name: 'processor', fields: { firm: 'e2e-firm' }, level: 'info', destination: out });

  const redis = createRedis(redisUrl(), 'worker');
  processor = createProcessorService({ redis, keyspace: createKeyspace(prefix), client, firm, logger, registry, expirySafetyMs: 300, workerOptions: { lockDuration: 2_000, stalledInterval: 1_000 } });
  closers.push(async () => {
    await processor.close();
    redis.disconnect();
  });

  const pollerRedis = createRedis(redisUrl(), 'worker');
  poller = createPollerService({ client, redis: pollerRedis, redisPrefix: prefix, logger: createLogger({ name: 'poller', level: 'silent' }), timing: FAST_POLLER_TIMING, personalData: personalDataPolicy(env.firm) });
  closers.push(async () => {
    await poller.close();
    pollerRedis.disconnect();
  });

  let closeApi: () => Promise<void>;
  ({ api, close: closeApi } = await startApi(redisUrl(), createKeyspace(prefix), { identities: [{ name: 'obs-cms', roles: ['cms', 'viewer'], tokenSha256: [tokenSha256(TOKEN)] }] }));
  closers.push(() => closeApi());
  const receiverRedis = createRedis(redisUrl(), 'producer');
  await waitFor(() => receiverRedis.status === 'ready', { message: 'receiver redis ready' });
  receiver = createReceiverService({
    profile: env.client.profile,
    secrets: ['e2e-observability-webhook-secret'],
    redis: receiverRedis,
    redisPrefix: prefix,
    logger: createLogger({ name: 'receiver', level: 'silent' }),
    webhooks: { url: 'https://lexbridge.example.com/hooks/lexamica', maxBodyBytes: 262_144 },
    personalData: personalDataPolicy(env.firm),
  });
  receiver.start();
  closers.push(async () => {
    await receiver.close();
    receiverRedis.disconnect();
  });
  apiBefore = (await api.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body;

  await processor.start();
  // The scrape before anything happened: every labelled counter is already there, at zero.
  before = await registry.metrics();
  poller.start();
  await waitFor(
    async () => {
      const records = await Promise.all(docs.map((d) => processor.ledger.get(d._id)));
      return records.filter((r) => r?.state === 'done').length === 2 && records.some((r) => r?.invitationId === manualId && r.state === 'manual');
    },
    { timeoutMs: 30_000, message: 'two invitations accepted and one left to a person' },
  );
}, 60_000);

afterAll(async () => {
  env?.sandbox.state.faults.update(NO_FAULTS);
  while (closers.length) await closers.pop()!();
});

const spans = () => exporter.getFinishedSpans();
const inTrace = (traceId: string) => spans().filter((s) => s.spanContext().traceId === traceId);
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

/** Every span of the trace but its root has its parent in the trace: one connected tree. */
function expectConnected(trace: ReadableSpan[], rootName: string): void {
  const ids = new Set(trace.map((s) => s.spanContext().spanId));
  const roots = trace.filter((s) => !parentOf(s) || !ids.has(parentOf(s)!));
  expect(roots.map((s) => s.name)).toEqual([rootName]);
}

describe('one trace per invitation', () => {
  it('connects the poll that read an invitation, its job and the Lexamica call that answered it', async () => {
    const act = spans().find((s) => s.name === 'lexamica invitations.act');
    expect(act).toBeDefined();
    // A span is exported when it ends, and the poll pass's span ends after the whole pass: the
    // processor may answer from a job the pass enqueued before the pass itself has ended.
    const trace = await waitFor(
      () => {
        const t = inTrace(act!.spanContext().traceId);
        return t.some((s) => s.name === 'poller.poll') ? t : undefined;
      },
      { timeoutMs: 10_000, message: 'the poll pass that read the invitation ended' },
    );
    const names = new Set(trace.map((s) => s.name));
    expect(names).toContain('poller.poll');
    expect(names).toContain('poller.page');
    expect(names).toContain('lexamica events.query');
    expect([...names].some((n) => n === 'job invitation.sent' || n === 'job invitations.batch')).toBe(true);
    expectConnected(trace, 'poller.poll');
    // Lexamica received the trace context of the call that answered.
    const posted = proxy.seen.filter((r) => r.method === 'POST' && acceptedIds.some((id) => r.url.includes(id)));
    expect(posted.length).toBeGreaterThanOrEqual(1);
    expect(posted.map((r) => String(r.headers.traceparent).split('-')[1])).toContain(act!.spanContext().traceId);
  });

  it('logs one line per decision and per answer with the same ids across services, and no client data', () => {
    const decided = lines.filter((l) => l.msg === 'invitation decided');
    const answered = lines.filter((l) => l.msg === 'invitation answered');
    expect(decided.map((l) => l.invitationId).sort()).toEqual([...acceptedIds, manualId].sort());
    expect(answered.map((l) => l.invitationId).sort()).toEqual([...acceptedIds].sort());
    for (const l of [...decided, ...answered]) {
      expect(l).toMatchObject({ service: 'processor', firm: 'e2e-firm' });
      expect(l.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(typeof l.jobId).toBe('string');
    }
    expect(decided.find((l) => l.invitationId === manualId)).toMatchObject({ action: 'manual', rule: 'left-to-a-lawyer', source: 'rules' });
    const text = JSON.stringify([...decided, ...answered]);
    for (const name of clientNames) expect(text).not.toContain(name);
  });
});

describe('one trace per CMS update', () => {
  it('carries the request id and trace from the POST through the job to the Lexamica header', async () => {
    const caseId = (await processor.ledger.get(acceptedIds[0]!))!.caseId!;
    const requestId = 'obs-update-request-1';
    const res = await api.inject({
      method: 'POST',
      url: `/v1/cases/${caseId}/updates`,
      headers: { authorization: `Bearer ${TOKEN}`, 'idempotency-key': 'obs-update-1', 'x-request-id': requestId, 'content-type': 'application/json' },
      payload: JSON.stringify({ title: 'Client interviewed', content: 'Interview done.', date: new Date().toISOString() }),
    });
    expect(res.statusCode).toBeLessThan(300);
    const job = await waitFor(
      async () => {
        const j = await processor.queues.get('outbound').getJob(jobIdFor('outbound', 'obs-update-1'));
        return (await j?.getState()) === 'completed' ? j : undefined;
      },
      { timeoutMs: 20_000, message: 'the update sent' },
    );
    const carried = (job.data as { _trace?: { traceparent?: string; requestId?: string } })._trace;
    expect(carried?.requestId).toBe(requestId);
    const traceId = carried!.traceparent!.split('-')[1]!;
    const trace = inTrace(traceId);
    expect(trace.map((s) => s.name)).toContain('lexamica caseUpdates.send');
    expect(trace.map((s) => s.name)).toContain('job outbound.send');
    expectConnected(trace, 'POST /v1/cases/:caseId/updates');
    const sent = proxy.seen.find((r) => r.method === 'POST' && r.headers['x-request-id'] === requestId);
    expect(sent).toBeDefined();
    expect(String(sent!.headers.traceparent).split('-')[1]).toBe(traceId);
    expect(lines.some((l) => l.requestId === requestId && l.traceId === traceId && l.jobId === job.id)).toBe(true);
  });
});

describe('metrics of a scripted run', () => {
  it('start every labelled counter at zero and no invitation waiting', async () => {
    expect(metricSample(before, 'lexbridge_actions_total', { action: 'accept', outcome: 'sent' })).toBe(0);
    expect(metricSample(before, 'lexbridge_decisions_total', { action: 'accept', source: 'rules', rule: '(default)' })).toBe(0);
    expect(metricSample(before, 'lexbridge_lexamica_requests_total', { operation: 'invitations.act', status: '5xx' })).toBe(0);
    expect(metricSample(before, 'lexbridge_lexamica_retries_total', { operation: 'events.query' })).toBe(0);
    expect(metricSample(before, 'lexbridge_jobs_failed_total', { queue: 'outbound', job: 'outbound.send', final: 'true' })).toBe(0);
    expect(metricSample(before, 'lexbridge_invitations_waiting_expiry_seconds')).toBe(Number.POSITIVE_INFINITY);
  });

  it('count the decisions and answers of the run, with their timing against sentAt and expiry', async () => {
    const after = await registry.metrics();
    expect(metricSample(after, 'lexbridge_decisions_total', { action: 'accept', source: 'rules', rule: '(default)' })).toBe(2);
    expect(metricSample(after, 'lexbridge_decisions_total', { action: 'manual', source: 'rules', rule: 'left-to-a-lawyer' })).toBe(1);
    expect(metricSample(after, 'lexbridge_invitation_decision_seconds_count', { source: 'rules' })).toBe(3);
    const answered = (metricSample(after, 'lexbridge_actions_total', { action: 'accept', outcome: 'sent' }))! + (metricSample(after, 'lexbridge_actions_total', { action: 'accept', outcome: 'confirmed' }))!;
    expect(answered).toBe(2);
    expect(metricSample(after, 'lexbridge_invitation_answer_seconds_count', { action: 'accept' })).toBe(2);
    expect(metricSample(after, 'lexbridge_invitation_answer_expiry_margin_seconds_count', { action: 'accept' })).toBe(2);
    expect(metricSample(after, 'lexbridge_invitation_answer_expiry_margin_seconds_sum', { action: 'accept' })).toBeGreaterThan(0);
    expect(metricSample(after, 'lexbridge_lexamica_requests_total', { operation: 'invitations.act', status: '2xx' })).toBeGreaterThanOrEqual(2);
    expect(metricSample(after, 'lexbridge_lexamica_request_duration_seconds_count', { operation: 'invitations.act' })).toBeGreaterThanOrEqual(2);
    // The one left to a person is the soonest (only) expiry waiting.
    const manual = (await processor.ledger.get(manualId))!;
    const waiting = (metricSample(after, 'lexbridge_invitations_waiting_expiry_seconds'))!;
    expect(Math.abs(waiting - (Date.parse(manual.expires) - Date.now()) / 1000)).toBeLessThan(30);
  });

  it('count the retries and 5xx answers of a Lexamica outage', async () => {
    const retriesBefore = (metricSample(await registry.metrics(), 'lexbridge_lexamica_retries_total', { operation: 'events.query' }))!;
    env.sandbox.state.faults.update({ serverError: { rate: 1, status: 503 } });
    try {
      await waitFor(async () => (metricSample(await registry.metrics(), 'lexbridge_lexamica_retries_total', { operation: 'events.query' }))! > retriesBefore, { timeoutMs: 15_000, message: 'a retried poll' });
    } finally {
      env.sandbox.state.faults.update(NO_FAULTS);
    }
    expect(metricSample(await registry.metrics(), 'lexbridge_lexamica_requests_total', { operation: 'events.query', status: '5xx' })).toBeGreaterThan(0);
  });
});

describe('a person\'s decision', () => {
  it('is counted once, by the API that took it, in the same series the processor counts the rules\' in', async () => {
    expect(metricSample(apiBefore, 'lexbridge_decisions_total', { action: 'accept', source: 'manual', rule: '(person)' })).toBe(0);
    expect(metricSample(apiBefore, 'lexbridge_invitation_decision_seconds_count', { source: 'manual' })).toBe(0);
    const decide = () =>
      api.inject({ method: 'POST', url: `/v1/invitations/${manualId}/decision`, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, payload: JSON.stringify({ action: 'accept' }) });
    expect((await decide()).statusCode).toBe(202);
    expect((await decide()).statusCode).toBe(202);
    await waitFor(async () => (await processor.ledger.get(manualId))?.state === 'done', { timeoutMs: 20_000, message: 'the decision sent' });
    const fromApi = (await api.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body;
    expect(metricSample(fromApi, 'lexbridge_decisions_total', { action: 'accept', source: 'manual', rule: '(person)' })).toBe(1);
    expect(metricSample(fromApi, 'lexbridge_invitation_decision_seconds_count', { source: 'manual' })).toBe(1);
    // The processor sent it, and did not count it again.
    const fromProcessor = await registry.metrics();
    expect(metricSample(fromProcessor, 'lexbridge_decisions_total', { action: 'accept', source: 'manual', rule: '(person)' })).toBe(0);
    expect(metricSample(fromProcessor, 'lexbridge_invitation_decision_seconds_count', { source: 'manual' })).toBe(0);
  });
});

describe('/metrics of every service', () => {
  it('passes promtool check metrics', async () => {
    const scrapes = {
      poller: (await poller.ops.inject({ url: '/metrics' })).body,
      processor: (await processor.ops.inject({ url: '/metrics' })).body,
      api: (await api.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body,
      receiver: (await receiver.ops.inject({ url: '/metrics' })).body,
    };
    for (const [service, text] of Object.entries(scrapes)) {
      expect(text, service).toContain('lexbridge_');
      const result = await promtool(['check', 'metrics'], text);
      expect({ service, code: result.code, problems: result.stdout + result.stderr }).toEqual({ service, code: 0, problems: '' });
    }
  });
});
