/**
 * Baseline (a), the ceiling of this design: one plain BullMQ worker, with the processor's action
 * concurrency, whose job is a single HTTP POST to the sandbox's accept route. The jobs are loaded
 * before the clock starts; no parsing, ledger, rules or feed. The POST goes through the same HTTP
 * client as the Lexamica client (undici's `request`), so the ratio measures the design, not a
 * difference between HTTP clients.
 */
import { Queue, Worker } from 'bullmq';
import { request } from 'undici';
import { defaultProfile } from '@lexbridge/lexamica-client';
import { createRedis } from '@lexbridge/infra/redis';
import { waitFor } from '@lexbridge/testkit';
import { summarizeCommands } from './redis-probe.js';
import { BENCH_PREFIX, type BenchStack } from './stack.js';

export interface BaselineResult {
  events: number;
  concurrency: number;
  seconds: number;
  eventsPerSec: number;
  redisCommandsPerEvent: number;
  /** Events per second of each run when the baseline ran more than once (the result is their mean). */
  runs?: number[];
}

/** One result from several runs of the baseline: the mean rate, each run's rate kept. */
export function meanOfRuns(results: readonly BaselineResult[]): BaselineResult {
  const first = results[0];
  if (!first) throw new Error('no baseline run to average');
  if (results.length === 1) return first;
  const mean = (f: (r: BaselineResult) => number) => results.reduce((sum, r) => sum + f(r), 0) / results.length;
  return { ...first, seconds: mean((r) => r.seconds), eventsPerSec: mean((r) => r.eventsPerSec), redisCommandsPerEvent: mean((r) => r.redisCommandsPerEvent), runs: results.map((r) => r.eventsPerSec) };
}

const QUEUE = 'bench-baseline';

export async function runBaselineWorker(stack: BenchStack, opts: { events: number; concurrency: number; latencyMs: number }): Promise<BaselineResult> {
  await stack.probe.clean();
  await stack.sandbox.reset();
  await stack.sandbox.setLatency(opts.latencyMs);
  const ids = await stack.sandbox.preload(opts.events);
  const mappingId = (await stack.client.mappings.list()).find((m) => m.model === 'CaseInvitation')?.id;
  if (!mappingId) throw new Error('no CaseInvitation mapping on the sandbox');
  const base = `${stack.sandboxUrl}/organization/${stack.org.id}/inbound-webhooks/case-invitation/${mappingId}`;
  // The key travels where the profile says, as the Lexamica client sends it (a hard-coded `Bearer`
  // went stale when the default scheme became `Key`: every job failed and the bench waited forever).
  const placement = defaultProfile.auth.public;
  if (placement.in !== 'header') throw new Error('the baseline expects the default profile: the public key in a header');
  const headers = { [placement.name]: placement.scheme ? `${placement.scheme} ${stack.org.publicKey}` : stack.org.publicKey };

  const queue = new Queue(QUEUE, { connection: stack.redis, prefix: `${BENCH_PREFIX}:q` });
  const connection = createRedis(stack.redisUrl, 'worker');
  let worker: Worker | undefined;
  try {
    for (let i = 0; i < ids.length; i += 1_000) {
      await queue.addBulk(ids.slice(i, i + 1_000).map((invitationId) => ({ name: 'accept', data: { invitationId } })));
    }
    await stack.probe.resetStats();
    let completed = 0;
    const t0 = Date.now();
    let tEnd = t0;
    worker = new Worker(
      QUEUE,
      async (job) => {
        const res = await request(`${base}/${(job.data as { invitationId: string }).invitationId}/accept`, { method: 'POST', headers });
        await res.body.dump();
        if (res.statusCode < 200 || res.statusCode > 299) throw new Error(`accept answered ${res.statusCode}`);
      },
      { connection, prefix: `${BENCH_PREFIX}:q`, concurrency: opts.concurrency },
    );
    worker.on('error', (err) => console.error('baseline worker error', err));
    // A failed job stops the run with its reason, instead of a wait for completions that never come.
    let failed: (err: Error) => void = () => undefined;
    const failure = new Promise<never>((_, reject) => {
      failed = reject;
    });
    worker.on('failed', (_job, err) => failed(new Error(`a baseline job failed: ${err.message}`)));
    worker.on('completed', () => {
      completed += 1;
      if (completed === opts.events) tEnd = Date.now();
    });
    await Promise.race([failure, waitFor(() => completed >= opts.events, { timeoutMs: Math.max(60_000, (opts.events / 20) * 1_000), intervalMs: 50, message: 'baseline jobs completed' })]);
    const { total } = summarizeCommands(await stack.probe.commandStats());
    const seconds = (tEnd - t0) / 1_000;
    return { events: opts.events, concurrency: opts.concurrency, seconds, eventsPerSec: opts.events / seconds, redisCommandsPerEvent: total / opts.events };
  } finally {
    await worker?.close();
    await queue.close();
    connection.disconnect();
  }
}
