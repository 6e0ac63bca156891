/**
 * Steady state: the sandbox's originator sends invitations at a fixed rate to one poller (short
 * interval, debug log of every poll pass) and one processor. For each invitation sent in the
 * measured window: readable at its createdAt, read by the first poll whose `to` (taken as the poll
 * started) reaches it, answered when the sandbox logged the action.
 */
import { waitFor } from '@lexbridge/testkit';
import { latencies, type Percentiles } from './latency.js';
import { summarizeCommands } from './redis-probe.js';
import { BENCH_SCENARIO } from './sandbox-driver.js';
import { stopAndMeasure, type ServiceProcess } from './service-process.js';
import type { BenchStack } from './stack.js';

export interface SteadyResult {
  rate: number;
  seconds: number;
  pollIntervalMs: number;
  /** Invitations measured (sent inside the window). */
  measured: number;
  /** Answer − start of the poll that read it: what Lexbridge adds. */
  overheadMs: Percentiles;
  /** Answer − readable: what the firm sees, poll wait included. */
  endToEndMs: Percentiles;
  pollWaitMs: Percentiles;
  redisCommandsPerEvent: number;
  rssMb: Record<string, number>;
}

/** `to` of a `poll pass` debug line of the poller, in epoch ms. */
function pollStartOf(line: string): number | undefined {
  if (!line.includes('"poll pass"')) return undefined;
  try {
    const entry = JSON.parse(line) as { msg?: string; to?: string };
    return entry.msg === 'poll pass' && entry.to ? Date.parse(entry.to) : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runSteadyState(stack: BenchStack, opts: { rate: number; seconds: number; warmupSeconds: number; pollIntervalMs: number }): Promise<SteadyResult> {
  await stack.probe.clean();
  await stack.sandbox.reset();
  // Zero added latency: what remains after the poll wait is Lexbridge's own overhead.
  await stack.sandbox.setLatency(0);
  const pollStarts: number[] = [];
  const started: ServiceProcess[] = [];
  try {
    started.push(await stack.startProcessor('processor-1'));
    started.push(
      await stack.startPoller({
        pollIntervalMs: opts.pollIntervalMs,
        // Re-read unconditionally only what one interval can have added late, as an operator
        // polling this often would set it; older late events still trigger a full overlap re-read.
        recentOverlapMs: opts.pollIntervalMs,
        logLevel: 'debug',
        onLine: (line) => {
          const at = pollStartOf(line);
          if (at !== undefined) pollStarts.push(at);
        },
      }),
    );
    await waitFor(() => pollStarts.length > 0, { timeoutMs: 10_000, message: 'first poll pass' });

    await stack.sandbox.startScenario({ ...BENCH_SCENARIO, rate: opts.rate });
    const windowStart = Date.now() + opts.warmupSeconds * 1_000;
    const windowEnd = windowStart + opts.seconds * 1_000;
    // The load runs for the warm-up plus the window; the Redis count covers the window only.
    await sleep(windowStart - Date.now());
    await stack.probe.resetStats();
    await sleep(windowEnd - Date.now());
    const counts = await stack.probe.commandStats();
    await stack.sandbox.stopScenario();
    const sent = (await stack.sandbox.stats()).invitations.sent;
    // Every invitation settled: answered, or withdrawn by the referring firm before Lexbridge got to
    // it (the sandbox's scenario cancels some, as Lexamica's firms do), or expired (counted, never
    // expected here).
    await waitFor(async () => (await stack.sandbox.stats()).invitations.open === 0, { timeoutMs: 60_000, intervalMs: 100, message: 'steady-state invitations settled' }).catch(async (err: unknown) => {
      // Say how far it got: the sandbox's counts name what is missing.
      throw new Error(`${(err as Error).message}; ${sent} sent, sandbox stats ${JSON.stringify((await stack.sandbox.stats()).invitations)}`);
    });

    const answered = new Map<string, number>();
    for (const a of await stack.sandbox.actions()) if (a.outcome === 'ok') answered.set(a.invitationId, Date.parse(a.at));
    const timelines = (await stack.sandbox.invitations())
      .map((doc) => ({ readableMs: Date.parse(doc.sentAt), answeredMs: answered.get(doc._id) }))
      .filter((t): t is { readableMs: number; answeredMs: number } => t.answeredMs !== undefined && t.readableMs >= windowStart && t.readableMs < windowEnd);
    pollStarts.sort((a, b) => a - b);
    const { overhead, endToEnd, pollWait } = latencies(timelines, pollStarts);

    const rssMb = await stopAndMeasure(started.splice(0));
    return {
      rate: opts.rate,
      seconds: opts.seconds,
      pollIntervalMs: opts.pollIntervalMs,
      measured: timelines.length,
      overheadMs: overhead,
      endToEndMs: endToEnd,
      pollWaitMs: pollWait,
      redisCommandsPerEvent: summarizeCommands(counts).total / Math.max(1, timelines.length),
      rssMb,
    };
  } finally {
    await stopAndMeasure(started);
  }
}
