/**
 * Webhook pushes, as Lexamica would send them: every stored event an active webhook subscription
 * wants is POSTed to its URL as one stored-event row (the profile's field names), signed with the
 * subscription's secret the way the profile says (hex HMAC-SHA256 over `<unix seconds>.<body>`).
 * A push that fails (connection refused, timeout, 429, 5xx) is retried with capped exponential
 * backoff; one answered with another 4xx is not. Faults, all off by default: dropped, delayed (so
 * pushes arrive out of order), duplicated, badly signed.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { SandboxProfile } from '../profile/sandbox-profile.js';
import type { Random } from '../random.js';
import type { StoredEventRecord } from '../state/event-store.js';
import type { SubscriptionRecord, SubscriptionRegistry } from '../state/subscriptions.js';
import { eventRow } from '../wire/serialize.js';

const rate = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const ms = z.number().int().min(0).max(600_000);

export const webhookFaultSchema = z.strictObject({
  /** Never push the event at all (Lexamica lost it). */
  drop: rate.default(0),
  /** Push it twice. */
  duplicate: rate.default(0),
  /** Sign it with the wrong secret (the receiver must refuse it; it is not retried). */
  badSignature: rate.default(0),
  /** Hold it back a uniform time in [minMs, maxMs]: later events overtake it. */
  delay: z.strictObject({ rate: rate.default(0), minMs: ms.default(100), maxMs: ms.default(2_000) }).prefault({}),
  /** Retries of a failed push: how many, and the backoff (doubling from baseMs, at most maxMs). */
  retry: z.strictObject({ attempts: z.number().int().min(0).max(50).default(8), baseMs: ms.min(1).default(250), maxMs: ms.min(1).default(10_000) }).prefault({}),
  /** One push's timeout. */
  timeoutMs: ms.min(1).default(5_000),
});
export type WebhookFaults = z.infer<typeof webhookFaultSchema>;

/** Counts of what the pusher did, since the last reset. */
export interface WebhookStats {
  /** Events a webhook subscription wanted. */
  wanted: number;
  /** POSTs answered 2xx. */
  delivered: number;
  /** POSTs answered with a 4xx other than 429 (not retried). */
  refused: number;
  dropped: number;
  duplicated: number;
  delayed: number;
  badlySigned: number;
  retries: number;
  /** Events given up after every retry failed. */
  failed: number;
  /** Pushes scheduled or in flight now. */
  pending: number;
}

export interface WebhookPusher {
  readonly config: WebhookFaults;
  /** Applies `patch` (any subset; `delay` and `retry` merge field by field). */
  update(patch: unknown): z.ZodSafeParseResult<WebhookFaults>;
  /** Pushes `record` to every active webhook subscription for its event. */
  stored(record: StoredEventRecord): void;
  stats(): WebhookStats;
  /** Ids of events that no push delivered: dropped, or given up after retries. */
  undelivered(): string[];
  resetCounts(): void;
  /** Cancels scheduled pushes. */
  close(): void;
}

const ZERO: Omit<WebhookStats, 'pending'> = { wanted: 0, delivered: 0, refused: 0, dropped: 0, duplicated: 0, delayed: 0, badlySigned: 0, retries: 0, failed: 0 };

export function createWebhookPusher(opts: { profile: SandboxProfile; subscriptions: SubscriptionRegistry; now: () => number; random: Random; faults?: unknown }): WebhookPusher {
  let config = webhookFaultSchema.parse(opts.faults ?? {});
  let counts = { ...ZERO };
  let lost = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let closed = false;
  const w = opts.profile.webhook;

  function later(ms: number, run: () => void) {
    const t = setTimeout(() => {
      timers.delete(t);
      run();
    }, ms);
    timers.add(t);
  }

  async function attempt(sub: SubscriptionRecord, record: StoredEventRecord, n: number, badlySigned: boolean): Promise<void> {
    if (closed) return;
    const body = JSON.stringify(eventRow(opts.profile, record));
    const t = String(Math.floor(opts.now() / 1000));
    const secret = badlySigned ? `not-${sub.secret ?? ''}` : (sub.secret ?? '');
    const signature = w.prefix + createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    inFlight += 1;
    let retry = false;
    try {
      const res = await fetch(sub.url!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [w.signatureHeader]: signature, [w.timestampHeader]: t },
        body,
        signal: AbortSignal.timeout(config.timeoutMs),
      });
      await res.arrayBuffer();
      if (res.ok) {
        counts.delivered += 1;
        // A receiver that takes a badly signed push has not received the event Lexamica sent.
        if (!badlySigned) lost.delete(record._id);
      } else if (res.status === 429 || res.status >= 500) retry = true;
      else counts.refused += 1;
    } catch {
      // Refused, reset or timed out: the receiver is down or slow; the retry below is the answer.
      retry = true;
    } finally {
      inFlight -= 1;
    }
    if (!retry || closed) return;
    if (n >= config.retry.attempts) {
      counts.failed += 1;
      return;
    }
    counts.retries += 1;
    const backoff = Math.min(config.retry.maxMs, config.retry.baseMs * 2 ** n);
    later(Math.floor(backoff / 2 + opts.random.next() * (backoff / 2)), () => void attempt(sub, record, n + 1, badlySigned));
  }

  return {
    get config() {
      return config;
    },
    update(patch) {
      const p = (patch ?? {}) as Record<string, unknown>;
      const merged = { ...config, ...p, delay: { ...config.delay, ...(p.delay as object | undefined) }, retry: { ...config.retry, ...(p.retry as object | undefined) } };
      const result = webhookFaultSchema.safeParse(merged);
      if (result.success) config = result.data;
      return result;
    },
    stored(record) {
      const sub = opts.subscriptions.forEvent(record.event);
      if (!sub || !sub.active || !sub.url || closed) return;
      counts.wanted += 1;
      const r = opts.random;
      if (r.chance(config.drop)) {
        counts.dropped += 1;
        lost.add(record._id);
        return;
      }
      const badlySigned = r.chance(config.badSignature);
      if (badlySigned) counts.badlySigned += 1;
      const copies = r.chance(config.duplicate) ? 2 : 1;
      if (copies === 2) counts.duplicated += 1;
      // Until a push is answered 2xx it counts as not delivered.
      lost.add(record._id);
      for (let i = 0; i < copies; i++) {
        if (r.chance(config.delay.rate)) {
          counts.delayed += 1;
          later(Math.round(r.between(config.delay.minMs, config.delay.maxMs)), () => void attempt(sub, record, 0, badlySigned));
        } else {
          void attempt(sub, record, 0, badlySigned);
        }
      }
    },
    stats: () => ({ ...counts, pending: timers.size + inFlight }),
    undelivered: () => [...lost],
    resetCounts() {
      counts = { ...ZERO };
      lost = new Set();
    },
    close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
