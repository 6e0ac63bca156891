/**
 * Watches the pollers through their metrics port to find the leader in the middle of a poll: it
 * has read and enqueued at least one page of this pass and has not finished the pass. That is the
 * moment a crash is most likely to lose or repeat events, so the suite strikes then.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** What one scrape of a poller's `/metrics` says. */
export interface PollerSample {
  leader: boolean;
  /** Non-empty pages read by polls (`lexbridge_poller_pages_total{mode="poll"}`). */
  pages: number;
  /** Polls finished, whatever their outcome (`…_poll_duration_seconds_count{mode="poll"}`). */
  polls: number;
}

/** Reads a Prometheus exposition of the poller. Absent series count as 0. */
export function parsePollerMetrics(text: string): PollerSample {
  let leader = false;
  let pages = 0;
  let polls = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(value)) continue;
    if (line.startsWith('lexbridge_poller_is_leader')) leader = value === 1;
    else if (line.startsWith('lexbridge_poller_pages_total{') && line.includes('mode="poll"')) pages += value;
    else if (line.startsWith('lexbridge_poller_poll_duration_seconds_count{') && line.includes('mode="poll"')) polls += value;
  }
  return { leader, pages, polls };
}

async function sample(port: number): Promise<PollerSample | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1_000) });
    return res.ok ? parsePollerMetrics(await res.text()) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Waits until one of the pollers (by ops port) is the leader in the middle of a pass, up to
 * `timeoutMs`. Resolves to its index and whether the moment was really mid-pass (false: the time
 * ran out, and the index is the leader, or replica 0 when none leads).
 */
export async function waitForMidPoll(ports: readonly number[], timeoutMs: number): Promise<{ index: number; midPoll: boolean }> {
  const deadline = Date.now() + timeoutMs;
  // Per replica: the page count when its poll count last changed (the start of the current pass).
  const base = new Map<number, { polls: number; pages: number }>();
  let lastLeader = 0;
  while (Date.now() < deadline) {
    const samples = await Promise.all(ports.map((p) => sample(p)));
    for (const [i, s] of samples.entries()) {
      if (!s) continue;
      const b = base.get(i);
      if (s.leader) lastLeader = i;
      if (!b || b.polls !== s.polls) {
        base.set(i, { polls: s.polls, pages: s.pages });
        continue;
      }
      if (s.leader && s.pages > b.pages) return { index: i, midPoll: true };
    }
    await sleep(15);
  }
  return { index: lastLeader, midPoll: false };
}
