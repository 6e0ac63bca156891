/**
 * Daily accept limits per case type, counted in Redis so every processor replica shares one
 * count. A reservation is one Lua script (`commands/reserveCapacity-1.lua`: check and increment
 * under the limit), so concurrent
 * replicas can never overshoot.
 */
import type { Redis } from 'ioredis';
import { coreScripts } from '../commands/index.js';
import type { Keyspace } from '@lexbridge/infra/redis';
import { actionFields, type Decision } from './evaluate.js';
import type { CapacityLimit } from './rules-config.js';

/** Counter keys outlive their UTC day by a day, then Redis drops them. */
const KEY_TTL_SEC = 2 * 86_400;

/** The result of a reservation: `used` counts this one when `ok`. */
export interface CapacityReservation {
  ok: boolean;
  used: number;
  limit: number;
}

export interface CapacityCounter {
  /** The limit that applies to `caseType`: its own, else the `'*'` limit, else undefined. */
  limitFor(caseType: string): CapacityLimit | undefined;
  /**
   * Takes one accept from today's (UTC) allowance of `caseType`; undefined when no limit applies.
   * Atomic across replicas; the day's counter expires two days later.
   */
  tryReserve(caseType: string, now: Date): Promise<CapacityReservation | undefined>;
  /** Gives back a reservation made at `reservedAt` whose accept did not happen (never below 0). */
  release(caseType: string, reservedAt: Date): Promise<void>;
  /** Accepts counted for `caseType` on the UTC day of `at`. */
  used(caseType: string, at: Date): Promise<number>;
}

/** A capacity counter for `limits`, with keys under `keyspace.key('capacity', …)`. */
export function createCapacityCounter(redis: Redis, keyspace: Keyspace, limits: CapacityLimit[]): CapacityCounter {
  coreScripts.define(redis);
  const own = new Map(limits.filter((l) => l.caseType !== '*').map((l) => [l.caseType, l]));
  const wildcard = limits.find((l) => l.caseType === '*');
  // Each case type counts on its own, also under '*'; encoding keeps ':' in a case type from
  // colliding with the key's structure.
  const keyFor = (caseType: string, at: Date) => keyspace.key('capacity', encodeURIComponent(caseType), at.toISOString().slice(0, 10));
  const limitFor = (caseType: string) => own.get(caseType) ?? wildcard;

  return {
    limitFor,
    async tryReserve(caseType, now) {
      const limit = limitFor(caseType);
      if (!limit) return undefined;
      const [ok, used] = (await coreScripts.run(redis, 'reserveCapacity', [keyFor(caseType, now)], [limit.maxAcceptsPerDay, KEY_TTL_SEC])) as [number, number];
      return { ok: ok === 1, used, limit: limit.maxAcceptsPerDay };
    },
    async release(caseType, reservedAt) {
      if (!limitFor(caseType)) return;
      await coreScripts.run(redis, 'releaseCapacity', [keyFor(caseType, reservedAt)], []);
    },
    async used(caseType, at) {
      return Number((await redis.get(keyFor(caseType, at))) ?? 0);
    },
  };
}

/**
 * Applies capacity to a rules decision: an accept reserves one of today's accepts for
 * `caseType`; when the limit is reached the limit's `whenFull` action replaces it (the rule that
 * wanted to accept stays in `rule`). Other actions pass through untouched. In shadow mode pass a
 * counter on a separate keyspace (or skip this): a shadow accept must not use up real capacity.
 */
export async function applyCapacity(decision: Decision, caseType: string, counter: CapacityCounter, now: Date): Promise<Decision> {
  if (decision.action !== 'accept') return decision;
  const r = await counter.tryReserve(caseType, now);
  if (!r) return decision;
  const capacity = { caseType, used: r.used, limit: r.limit };
  if (r.ok) return { ...decision, capacity };
  const { action: _a, reason: _r, note: _n, ...rest } = decision;
  return { ...rest, ...actionFields(counter.limitFor(caseType)!.whenFull), capacity };
}
