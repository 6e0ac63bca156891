/**
 * Decides, from a seeded random source, which fault fires, and counts every one injected by kind.
 * HTTP faults are applied by the route hook; event faults by the event emitter.
 */
import { createRandom, deriveSeed } from '../random.js';
import { FAULT_KINDS, faultConfigSchema, mergeFaults, type FaultConfig, type FaultConfigInput, type FaultKind } from './fault-config.js';

/** What to do to one profile request, decided before it is handled. */
export interface HttpFaultPlan {
  delayMs?: number;
  reset?: boolean;
  serverError?: number;
  /** Seconds for `Retry-After`. */
  rateLimit?: number;
}

/** How to store one event. */
export interface EventFaultPlan {
  atMs: number;
  duplicate: boolean;
}

export interface FaultInjector {
  readonly config: FaultConfig;
  /** Applies a partial update; returns the parse error (400 material) or undefined. */
  update(patch: unknown): ReturnType<typeof mergeFaults>;
  planRequest(): HttpFaultPlan;
  planEvent(nowMs: number): EventFaultPlan;
  counts(): { total: number; byKind: Record<FaultKind, number> };
  resetCounts(): void;
}

export function createFaultInjector(seed: number, initial: FaultConfigInput = {}): FaultInjector {
  let config = faultConfigSchema.parse(initial);
  const random = createRandom(deriveSeed(seed, 'faults'));
  const byKind = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  let pinned: { atMs: number; remaining: number } | undefined;
  const count = (kind: FaultKind) => (byKind[kind] += 1);

  return {
    get config() {
      return config;
    },
    update(patch) {
      const result = mergeFaults(config, patch);
      if (result.success) config = result.data;
      return result;
    },
    planRequest() {
      const plan: HttpFaultPlan = {};
      if (random.chance(config.latency.rate)) {
        plan.delayMs = Math.round(random.between(config.latency.minMs, config.latency.maxMs));
        count('latency');
      }
      // One failure per request at most: a reset socket cannot also carry a 503.
      if (random.chance(config.reset.rate)) {
        plan.reset = true;
        count('reset');
      } else if (random.chance(config.serverError.rate)) {
        plan.serverError = config.serverError.status;
        count('5xx');
      } else if (random.chance(config.rateLimit.rate)) {
        plan.rateLimit = config.rateLimit.retryAfterSec;
        count('429');
      }
      return plan;
    },
    planEvent(nowMs) {
      let atMs = nowMs;
      if (pinned && pinned.remaining > 0) {
        atMs = pinned.atMs;
        pinned.remaining -= 1;
      } else if (random.chance(config.sameTimestamp.rate)) {
        pinned = { atMs, remaining: config.sameTimestamp.count - 1 };
        count('sameTimestamp');
      } else if (random.chance(config.lateEvent.rate)) {
        atMs = nowMs - random.int(1, config.lateEvent.windowMs);
        count('late');
      }
      const duplicate = random.chance(config.duplicateEvent.rate);
      if (duplicate) count('duplicate');
      return { atMs, duplicate };
    },
    counts() {
      return { total: Object.values(byKind).reduce((a, b) => a + b, 0), byKind: { ...byKind } };
    },
    resetCounts() {
      for (const k of FAULT_KINDS) byKind[k] = 0;
      pinned = undefined;
    },
  };
}
