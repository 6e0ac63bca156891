/**
 * Deterministic randomness: every random choice the sandbox makes comes from a seeded generator,
 * so one seed always gives the same invitations, ids and fault decisions (timing follows the clock).
 */
import { createHash } from 'node:crypto';

/** A seeded pseudo-random source (mulberry32: fast, 32-bit state, good enough for test data). */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** A whole number in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** A float in [min, max). */
  between(min: number, max: number): number;
  /** True with probability `p` (0..1). */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A key of `weights`, chosen in proportion to its (non-negative) weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K;
}

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    between: (min, max) => min + next() * (max - min),
    // A rate of 0 must never fire and 1 must always fire, whatever next() returns.
    chance: (p) => p > 0 && (p >= 1 || next() < p),
    pick: (items) => {
      if (items.length === 0) throw new Error('cannot pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    weighted: (weights) => {
      const entries = Object.entries(weights) as Array<[keyof typeof weights, number]>;
      const total = entries.reduce((sum, [, w]) => sum + Math.max(0, w), 0);
      if (total <= 0) throw new Error('weights must include a positive value');
      let roll = next() * total;
      for (const [key, w] of entries) {
        roll -= Math.max(0, w);
        if (roll < 0) return key;
      }
      return entries[entries.length - 1]![0];
    },
  };
  return random;
}

/** A 32-bit seed derived from several parts, so independent streams never share a sequence. */
export function deriveSeed(...parts: ReadonlyArray<string | number>): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32BE(0);
}

/** Hex characters derived from several parts (deterministic, uniformly spread). */
export function deriveHex(length: number, ...parts: ReadonlyArray<string | number>): string {
  let out = '';
  for (let block = 0; out.length < length; block++) {
    out += createHash('sha256').update([...parts, block].join('\u0000')).digest('hex');
  }
  return out.slice(0, length);
}

/** Mongo-style ids (24 hex), one counter per kind, deterministic from the seed. */
export interface IdFactory {
  next(kind: string): string;
  /** Starts a new epoch: later ids never repeat earlier ones, and stay deterministic. */
  newEpoch(): void;
}

export function createIdFactory(seed: number): IdFactory {
  const counters = new Map<string, number>();
  let epoch = 0;
  return {
    next(kind) {
      const n = counters.get(kind) ?? 0;
      counters.set(kind, n + 1);
      return deriveHex(24, seed, epoch, kind, n);
    },
    newEpoch() {
      epoch += 1;
      counters.clear();
    },
  };
}
