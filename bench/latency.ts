/**
 * Latency arithmetic of the steady state: which poll picked each invitation up, and percentiles.
 */

/** p50/p99/max of a sample, ms. */
export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of `values` (not modified). Throws on an empty sample. */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) throw new Error('no samples');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  return { p50: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1]! };
}

/**
 * The first poll whose upper bound (`to`, inclusive, taken when the poll started) is at or after
 * `readableMs`: the poll that read the event. `pollStarts` must be sorted ascending.
 */
function pollThatRead(pollStarts: readonly number[], readableMs: number): number | undefined {
  let lo = 0;
  let hi = pollStarts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pollStarts[mid]! < readableMs) lo = mid + 1;
    else hi = mid;
  }
  return lo < pollStarts.length ? pollStarts[lo] : undefined;
}

/** One invitation's timeline, epoch ms. */
export interface Timeline {
  /** When it became readable (its stored event's createdAt). */
  readableMs: number;
  /** When its answer reached the sandbox. */
  answeredMs: number;
}

/** Pipeline overhead (answer − start of the poll that read it) and end-to-end latency (answer − readable). */
export function latencies(timelines: readonly Timeline[], pollStarts: readonly number[]): { overhead: Percentiles; endToEnd: Percentiles; pollWait: Percentiles } {
  const overhead: number[] = [];
  const endToEnd: number[] = [];
  const pollWait: number[] = [];
  for (const t of timelines) {
    const poll = pollThatRead(pollStarts, t.readableMs);
    if (poll === undefined) throw new Error(`no poll started after an invitation readable at ${new Date(t.readableMs).toISOString()}`);
    overhead.push(t.answeredMs - poll);
    endToEnd.push(t.answeredMs - t.readableMs);
    pollWait.push(poll - t.readableMs);
  }
  return { overhead: percentiles(overhead), endToEnd: percentiles(endToEnd), pollWait: percentiles(pollWait) };
}
