/** Bounding a wait: what health checks, scrapes and start-up use so that nothing hangs on Redis. */
import type { ErrorKind } from '../errors/index.js';

/** A wait that ran out; `ms` is the bound it was given. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  /** For {@link errorKind}. */
  get kind(): ErrorKind {
    return 'timeout';
  }
  constructor(readonly ms: number, what = 'operation') {
    super(`${what} timed out after ${ms} ms`);
  }
}

/**
 * Resolves or rejects as `promise` does, or rejects with a {@link TimeoutError} after `ms`. The
 * promise itself is not cancelled: a command sent to Redis still completes (or fails) later.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what?: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms, what)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
