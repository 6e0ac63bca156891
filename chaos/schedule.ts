/**
 * When the suite strikes: a plan of processor crashes, poller crashes and Redis restarts spread over
 * the drive phase, deterministic for a seed. Everything happens early enough that a crashed job's
 * lock can expire and the job be taken over before the run stops driving.
 */
import { createHash } from 'node:crypto';

/** One blow. `target` picks the replica (processor or poller index). */
export interface Strike {
  atMs: number;
  kind: 'processor' | 'poller' | 'redis';
  target: number;
  /** How the process is stopped (Redis restarts alternate between a crash and a clean stop). */
  signal: 'SIGKILL' | 'SIGTERM';
}

/** Options of {@link planStrikes}. */
export interface StrikePlanOptions {
  seed: number;
  /** Length of the drive phase, ms. */
  driveMs: number;
  processorKills: number;
  pollerKills: number;
  redisRestarts: number;
  /** Replicas of each service (default 2). */
  replicas?: number;
  /** Strikes land in [startMs, driveMs × lastFraction] (defaults 5 000 and 0.8). */
  startMs?: number;
  lastFraction?: number;
}

/** A number in [0, 1) from the seed and labels: the same inputs give the same number. */
export function seededUnit(seed: number, ...labels: Array<string | number>): number {
  const hash = createHash('sha256').update([seed, ...labels].join('\u0000')).digest();
  return hash.readUInt32BE(0) / 2 ** 32;
}

/**
 * The strikes of a run, sorted by time. Each kind is spread evenly over the window with a seeded
 * jitter, so crashes hit different moments of the work without bunching up.
 */
export function planStrikes(o: StrikePlanOptions): Strike[] {
  const replicas = o.replicas ?? 2;
  const start = o.startMs ?? 5_000;
  const end = Math.max(start + 1, o.driveMs * (o.lastFraction ?? 0.8));
  const spread = (kind: Strike['kind'], n: number): Strike[] =>
    Array.from({ length: n }, (_, i) => {
      const slot = (end - start) / n;
      const atMs = Math.round(start + slot * i + slot * (0.15 + 0.7 * seededUnit(o.seed, kind, i, 'at')));
      const target = Math.floor(seededUnit(o.seed, kind, i, 'target') * replicas);
      const signal = kind === 'redis' && i % 2 === 1 ? 'SIGTERM' : 'SIGKILL';
      return { atMs, kind, target, signal };
    });
  return [...spread('processor', o.processorKills), ...spread('poller', o.pollerKills), ...spread('redis', o.redisRestarts)].sort((a, b) => a.atMs - b.atMs);
}
