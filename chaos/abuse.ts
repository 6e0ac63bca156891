/**
 * The security probe's vectors against the running API (issue 18), while a separate thread times
 * `/health/live` every few milliseconds:
 *
 * - `long-url`: 30 concurrent requests to a 15 000-character URL, without a token: 414 `uri_too_long`.
 * - `long-backfill-event`: 5 backfills with a 100 001-character event, as admin: 400 naming `event`.
 * - `board-non-admin`: the queue board's actions (pause, obliterate, clean) as a viewer and as the
 *   CMS: 403 `forbidden`, and afterwards no queue is paused and none is gone.
 * - `flood`: 1 000 requests from one identity, 50 at a time: 200 up to its limit, then 429
 *   `rate_limited` with Retry-After; meanwhile another identity is still answered 200.
 *
 * Each answer other than the expected one counts in `unexpected`; `/health/live` must answer every
 * time, in under {@link HEALTH_LIVE_LIMIT_MS}.
 */
import { Worker } from 'node:worker_threads';
import type { StackTokens } from './stack.js';

/** What `/health/live` must stay under while the vectors run. */
export const HEALTH_LIVE_LIMIT_MS = 100;

/** One vector's outcome. */
export interface VectorResult {
  name: string;
  requests: number;
  /** Answers other than the expected one. */
  unexpected: number;
  /** A few of them, for the log. */
  examples: string[];
}

export interface AbuseReport {
  vectors: VectorResult[];
  /** The slowest `/health/live` while the vectors ran, ms. */
  healthLiveMaxMs: number;
  /** The 99th percentile of `/health/live`, ms (how much of the maximum is one outlier). */
  healthLiveP99Ms: number;
  /** The slowest `/health/live` while each vector ran, ms. */
  healthLiveMaxMsByVector: Record<string, number>;
  healthLiveChecks: number;
  /** `/health/live` requests that failed or did not answer 200. */
  healthLiveFailures: number;
}

/** Why the probe failed, if it did (pure: the rules of judgement). */
export function abuseFailures(r: AbuseReport): string[] {
  const failures: string[] = [];
  for (const v of r.vectors) if (v.unexpected > 0) failures.push(`abuse vector ${v.name}: ${v.unexpected} of ${v.requests} answers were not the expected one (${v.examples.join('; ')})`);
  if (r.healthLiveChecks === 0) failures.push('/health/live was never timed during the abuse probe');
  if (r.healthLiveFailures > 0) failures.push(`/health/live failed ${r.healthLiveFailures} times during the abuse probe`);
  if (r.healthLiveMaxMs >= HEALTH_LIVE_LIMIT_MS) failures.push(`/health/live took ${r.healthLiveMaxMs} ms during the abuse probe (limit ${HEALTH_LIVE_LIMIT_MS} ms)`);
  return failures;
}

// Plain JavaScript in its own thread: the flood's answers are parsed on the main thread, which
// would otherwise add its own delays to the times measured.
// A message names the vector now running (each time is counted under it), or stops the prober.
// Times before the first vector (the connection's warm-up) are not counted.
const PROBER = `
const { parentPort, workerData } = require('node:worker_threads');
let stop = false, phase = 'start', max = 0, checks = 0, failures = 0, told = false;
const all = [];
const byPhase = {};
parentPort.on('message', (m) => { if (m.stop) stop = true; else phase = m.phase; });
(async () => {
  while (!stop) {
    const t = performance.now();
    try {
      const res = await fetch(workerData.url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status !== 200) failures++;
    } catch { failures++; }
    const ms = Math.round(performance.now() - t);
    if (!told) { told = true; parentPort.postMessage({ ready: true }); }
    if (phase === 'start') { await new Promise((r) => setTimeout(r, 10)); continue; }
    max = Math.max(max, ms);
    byPhase[phase] = Math.max(byPhase[phase] ?? 0, ms);
    all.push(ms);
    checks++;
    await new Promise((r) => setTimeout(r, 10));
  }
  all.sort((a, b) => a - b);
  parentPort.postMessage({ max, byPhase, checks, failures, p99: all[Math.floor(all.length * 0.99)] ?? 0 });
})();
`;

interface ProberResult {
  max: number;
  p99: number;
  byPhase: Record<string, number>;
  checks: number;
  failures: number;
}

/** Starts timing `/health/live` in a thread of its own; resolves once the first answer is in. */
async function startHealthProber(apiUrl: string): Promise<{ phase(name: string): void; stop(): Promise<ProberResult> }> {
  const worker = new Worker(PROBER, { eval: true, workerData: { url: `${apiUrl}/health/live` } });
  let ready: () => void = () => {};
  const started = new Promise<void>((resolve) => (ready = resolve));
  const done = new Promise<ProberResult>((resolve, reject) => {
    worker.on('message', (m: { ready?: true } & ProberResult) => (m.ready ? ready() : resolve(m)));
    worker.once('error', reject);
  });
  await Promise.race([started, done]);
  return {
    phase: (name) => worker.postMessage({ phase: name }),
    async stop() {
      worker.postMessage({ stop: true });
      const result = await done;
      await worker.terminate();
      return result;
    },
  };
}

interface Answer {
  status: number;
  headers: Headers;
  body: { error?: { code?: string; field?: string } } | undefined;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let body: Answer['body'];
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body };
}

/** Runs `n` calls of `one`, `concurrency` at a time. */
async function pool<T>(n: number, concurrency: number, one: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await one(i);
      }
    }),
  );
  return out;
}

/** A vector from its answers: `problem` says what is wrong with one, or undefined when it is right. */
function judged(name: string, answers: Answer[], problem: (a: Answer) => string | undefined, extra: string[] = []): VectorResult {
  const problems = [...answers.map(problem).filter((p): p is string => p !== undefined), ...extra];
  return { name, requests: answers.length, unexpected: problems.length, examples: [...new Set(problems)].slice(0, 5) };
}

const describe = (a: Answer) => `${a.status} ${a.body?.error?.code ?? ''}`.trim();

export async function runAbuseProbe(o: { apiUrl: string; tokens: StackTokens }): Promise<AbuseReport> {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const prober = await startHealthProber(o.apiUrl);
  const vectors: VectorResult[] = [];
  let broke: string | undefined;
  try {
    prober.phase('long-url');
    const longUrl = await pool(30, 30, () => call(`${o.apiUrl}/${'x'.repeat(15_000)}`));
    vectors.push(judged('long-url', longUrl, (a) => (a.status === 414 && a.body?.error?.code === 'uri_too_long' ? undefined : describe(a))));

    prober.phase('long-backfill-event');
    const body = JSON.stringify({ from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', event: 'x'.repeat(100_001) });
    const backfills = await pool(5, 5, () => call(`${o.apiUrl}/admin/backfill`, { method: 'POST', headers: { ...bearer(o.tokens.admin), 'content-type': 'application/json' }, body }));
    vectors.push(judged('long-backfill-event', backfills, (a) => (a.status === 400 && a.body?.error?.field === 'event' ? undefined : describe(a))));

    prober.phase('board-non-admin');
    const boardActions = ['/api/queues/pause', '/api/queues/invitations/pause', '/api/queues/invitations/obliterate', '/api/queues/outbound/clean/completed'];
    const attempts = [o.tokens.viewer, o.tokens.cms].flatMap((token) => boardActions.map((path) => ({ token, path })));
    const board = await pool(attempts.length, 8, (i) => call(`${o.apiUrl}/admin/queues${attempts[i]!.path}`, { method: 'PUT', headers: bearer(attempts[i]!.token) }));
    const after = await call(`${o.apiUrl}/admin/queues/api/queues`, { headers: bearer(o.tokens.viewer) });
    const queues = ((after.body as { queues?: Array<{ name: string; isPaused: boolean }> } | undefined)?.queues ?? []);
    const damage = [
      ...(after.status === 200 ? [] : [`reading the board answered ${after.status}`]),
      ...queues.filter((q) => q.isPaused).map((q) => `queue ${q.name} is paused`),
      ...(queues.some((q) => q.name === 'invitations') ? [] : ['queue invitations is gone']),
    ];
    vectors.push(judged('board-non-admin', board, (a) => (a.status === 403 && a.body?.error?.code === 'forbidden' ? undefined : describe(a)), damage));

    prober.phase('flood');
    // Another identity asks while the flood is at its height: it must not be starved.
    let bystander: Answer | undefined;
    const flood = await pool(1_000, 50, async (i) => {
      if (i === 500) bystander = await call(`${o.apiUrl}/v1/events?limit=1`, { headers: bearer(o.tokens.viewer) });
      return call(`${o.apiUrl}/v1/events?limit=1`, { headers: bearer(o.tokens.abuser) });
    });
    const limited = flood.filter((a) => a.status === 429).length;
    vectors.push(
      judged(
        'flood',
        flood,
        (a) =>
          a.status === 200 || (a.status === 429 && a.body?.error?.code === 'rate_limited' && Number(a.headers.get('retry-after')) >= 1) ? undefined : describe(a),
        [
          ...(limited === 0 ? ['no request was rate limited'] : []),
          ...(bystander?.status === 200 ? [] : [`another identity was answered ${bystander ? describe(bystander) : 'nothing'} during the flood`]),
        ],
      ),
    );
  } catch (err) {
    // A vector that cannot even be sent is a failed vector; the times measured so far still count.
    broke = err instanceof Error ? err.message : String(err);
  }
  const health = await prober.stop();
  if (broke !== undefined) vectors.push({ name: 'probe', requests: 0, unexpected: 1, examples: [`the probe broke: ${broke}`] });
  return { vectors, healthLiveMaxMs: health.max, healthLiveP99Ms: health.p99, healthLiveMaxMsByVector: health.byPhase, healthLiveChecks: health.checks, healthLiveFailures: health.failures };
}
