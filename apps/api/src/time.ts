/** Small time helpers the routes and plugins share. */

/** Rejects with a timeout error when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms}ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** An epoch-milliseconds time (as BullMQ keeps them) as ISO 8601; undefined when unset. */
export function isoFromMs(ms: number | undefined): string | undefined {
  return ms ? new Date(ms).toISOString() : undefined;
}
