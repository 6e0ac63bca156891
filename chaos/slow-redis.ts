/**
 * The slow-Redis phase (issue 16): for a while the Redis replies the services get come later than
 * the API's command timeout (2 s), as on a machine under heavy load, and the API is restarted three
 * times meanwhile, so it starts on a slow Redis. Meanwhile the phase
 * plays a CMS behind a load balancer: it asks /health/ready, and only when the API says ready posts
 * a case update. An update refused while readiness said ready, with Redis's speed unchanged
 * between the two answers, is a readiness lie. Updates refused are posted again afterwards, as a
 * CMS would, and judged with the rest: each must reach Lexamica once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DelayProxy } from '@lexbridge/testkit';
import type { ApiClient, CaseUpdateRequest, PostOutcome } from './api-client.js';
import type { ManagedService } from './services.js';
import type { PostedUpdate } from './verdict.js';

/** What the phase did and saw. */
export interface SlowRedisResult {
  /** Updates posted (each under its own key); all are judged with the drive's. */
  posted: PostedUpdate[];
  /** Times readiness said ready and the update posted right after was refused (must be 0). */
  readinessLies: number;
  /** Readiness answers seen: ready, and not ready. */
  readyAnswers: number;
  notReadyAnswers: number;
  /** Times the API was restarted while Redis was slow. */
  apiRestarts: number;
  examples: string[];
}

/** Options of {@link createSlowRedisPhase}. */
export interface SlowRedisOptions {
  /** The proxy every service reaches Redis through. */
  proxy: DelayProxy;
  api: ApiClient;
  apiUrl: string;
  /** A bearer token of the API. */
  token: string;
  apiService: ManagedService;
  /** Case ids to post on. */
  caseIds: () => readonly string[];
  runId: string;
  /** How long Redis is slow, ms. */
  durationMs: number;
  /** How late each reply is while slow, ms (past the API's 2 s command timeout). Default 2 500. */
  delayMs?: number;
  /** Posts of refused updates stop retrying at this time (epoch ms). */
  deadline: number;
  say: (line: string) => void;
}

export interface SlowRedisPhase {
  /** Runs the phase, then posts again what was refused. */
  run(): Promise<SlowRedisResult>;
  /**
   * Runs `fn` when the phase is not running (a Redis restart meanwhile would make readiness change
   * for another reason than the one under test); the phase waits for it likewise.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * The phase is three cycles. Each: Redis slow for a fifth of the cycle (readiness must say not
 * ready); the API killed and started again while half of the replies are late for three fifths
 * (it gets through its start, and its queues' first commands may not, as under load); then Redis
 * fast for a fifth (whatever started must now work, or say that it does not).
 */
const CYCLES = 3;
const SLOW_SHARE_OF_CYCLE = 0.2;
const FAST_SHARE_OF_CYCLE = 0.2;
/** While the API starts, the share of replies that are late. */
const JITTER_SHARE = 0.5;
const MAX_EXAMPLES = 10;

export function createSlowRedisPhase(o: SlowRedisOptions): SlowRedisPhase {
  const delayMs = o.delayMs ?? 2_500;
  let lock: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = lock.then(fn, fn);
    lock = next.catch(() => undefined);
    return next;
  };

  // Redis's speed as the phase set it, with a generation that changes with every switch: an answer
  // pair is judged only when both came in the same generation.
  let generation = 0;
  const setDelay = (ms: number) => {
    o.proxy.delayMs = ms;
    generation += 1;
  };

  async function ready(): Promise<number | undefined> {
    try {
      return (await fetch(`${o.apiUrl}/health/ready`, { signal: AbortSignal.timeout(3_000) })).status;
    } catch {
      return undefined;
    }
  }

  async function runPhase() {
    const result: SlowRedisResult = { posted: [], readinessLies: 0, readyAnswers: 0, notReadyAnswers: 0, apiRestarts: 0, examples: [] };
    const note = (text: string) => {
      if (result.examples.length < MAX_EXAMPLES) result.examples.push(text);
    };
    const started = Date.now();
    const end = started + o.durationMs;
    let n = 0;
    let restarting = false;
    const refused: Array<{ req: CaseUpdateRequest; first: PostOutcome }> = [];
    o.say(`slow Redis for ${o.durationMs / 1000}s: replies ${delayMs} ms late, the API restarted ${CYCLES} times meanwhile`);

    // Redis through the cycles, then fast for good.
    const cycles = (async () => {
      const cycleMs = o.durationMs / CYCLES;
      for (let c = 0; c < CYCLES; c++) {
        const cycleStart = started + c * cycleMs;
        setDelay(delayMs);
        await sleep(Math.max(0, cycleStart + SLOW_SHARE_OF_CYCLE * cycleMs - Date.now()));
        restarting = true;
        o.proxy.slowShare = JITTER_SHARE;
        generation += 1;
        await o.apiService.kill('SIGKILL');
        o.apiService.start();
        result.apiRestarts += 1;
        restarting = false;
        o.say(`slow Redis: API restarted while ${Math.round(JITTER_SHARE * 100)}% of the replies are late`);
        await sleep(Math.max(0, cycleStart + (1 - FAST_SHARE_OF_CYCLE) * cycleMs - Date.now()));
        o.proxy.slowShare = 1;
        setDelay(0);
        await sleep(Math.max(0, cycleStart + cycleMs - Date.now()));
      }
      o.proxy.slowShare = 1;
      setDelay(0);
    })();

    // The CMS behind a load balancer: post only when readiness says ready. Goes on a little past the
    // slow time, until the API has come back.
    const postUntil = end + 60_000;
    let backSince: number | undefined;
    while (Date.now() < postUntil) {
      const caseId = o.caseIds()[n % Math.max(1, o.caseIds().length)];
      if (caseId === undefined) {
        await sleep(250);
        continue;
      }
      const gen = generation;
      const status = await ready();
      if (status === 200) result.readyAnswers += 1;
      else if (status !== undefined) result.notReadyAnswers += 1;
      if (status === 200) {
        n += 1;
        const token = `chaos:${o.runId}:slow${n}`;
        const req: CaseUpdateRequest = {
          caseId,
          idempotencyKey: `chaos-${o.runId}-slow-${n}`,
          body: { title: `Status update during slow Redis ${n}`, content: `Progress on the case (${token}).`, date: new Date().toISOString() },
        };
        const first = await postOnce(req);
        const steady = gen === generation && !restarting && o.proxy.slowShare >= 1;
        if (first.status === 202) {
          result.posted.push({ idempotencyKey: req.idempotencyKey, token, outcome: first, repeats: [] });
        } else {
          refused.push({ req, first });
          if (steady && first.status === 503) {
            result.readinessLies += 1;
            note(`readiness said ready, then update ${req.idempotencyKey} got ${first.status} ${first.error ?? ''} (Redis ${o.proxy.delayMs ? 'slow' : 'fast'})`.trim());
          }
        }
        // Once Redis is fast for good and the API takes updates again, a few more and the phase is done.
        if (Date.now() >= end && first.status === 202) {
          backSince ??= Date.now();
          if (Date.now() - backSince > 3_000) break;
        }
      }
      await sleep(150);
    }
    await cycles;
    return { result, refused };
  }

  /** Every update that was refused is posted again until it is taken, as a CMS would. */
  async function postAgain({ result, refused }: Awaited<ReturnType<typeof runPhase>>): Promise<SlowRedisResult> {
    for (const r of refused) {
      const outcome = await o.api.postCaseUpdate(r.req, o.deadline);
      const token = /chaos:[\w:-]+/.exec(r.req.body.content)![0];
      result.posted.push({ idempotencyKey: r.req.idempotencyKey, token, outcome, repeats: [] });
    }
    o.say(
      `slow Redis: ${result.posted.length} updates posted (${refused.length} refused at first and posted again), ` +
        `readiness ready ${result.readyAnswers} / not ready ${result.notReadyAnswers}, ${result.readinessLies} readiness lies`,
    );
    return result;
  }

  /** One POST, its answer as it came (no retry). */
  async function postOnce(req: CaseUpdateRequest): Promise<PostOutcome> {
    try {
      const res = await fetch(`${o.apiUrl}/v1/cases/${encodeURIComponent(req.caseId)}/updates`, {
        method: 'POST',
        headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json', 'idempotency-key': req.idempotencyKey },
        body: JSON.stringify(req.body),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      if (res.status === 202) return { status: 202, id: (JSON.parse(text) as { id: string }).id, replayed: false, retries: 0 };
      return { status: res.status, replayed: false, retries: 0, error: text.slice(0, 200) };
    } catch (err) {
      return { status: undefined, replayed: false, retries: 0, error: (err as Error).message };
    }
  }

  // The re-posting runs outside the exclusive part: a Redis restart may come meanwhile.
  return { run: async () => postAgain(await exclusive(runPhase)), exclusive };
}
