/** Options for {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this long (default 10 000 ms). */
  timeoutMs?: number;
  /** Check this often (default 25 ms). */
  intervalMs?: number;
  /** Said in the error when the deadline passes. */
  message?: string;
}

/**
 * Polls `check` until it returns a truthy value and resolves to it; rejects at the deadline with
 * the last error or value. Use instead of a fixed sleep.
 */
export async function waitFor<T>(check: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`${opts.message ?? 'condition not met'} within ${opts.timeoutMs ?? 10_000}ms (last: ${detail})`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 25));
  }
}

/**
 * Runs `teardown` (closing a stack, say), then `stop` (the servers under it) whatever happened:
 * `stop` runs even when `teardown` throws or outlasts `timeoutMs`, so no server outlives its test;
 * a teardown that timed out still fails the hook, naming `what`.
 */
export async function teardownThenStop(what: string, timeoutMs: number, teardown: () => Promise<unknown> | undefined, stop: () => Promise<unknown> | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      teardown(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not close within ${timeoutMs}ms; its servers are stopped anyway`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await stop();
  }
}
