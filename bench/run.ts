/**
 * `npm run bench`: throughput, latency and cost of Lexbridge against baselines on the same machine
 * (issue 11). Loopback only, bounded in time, stops by itself. Prints a table per scenario and ends
 * with one line of JSON. Knobs: see config.ts (`BENCH_QUICK=1` for a one-minute smoke run).
 */
import { cpus } from 'node:os';
import { ConfigError } from '@lexbridge/infra/config';
import { meanOfRuns, runBaselineWorker, type BaselineResult } from './baseline-worker.js';
import { loadBenchConfig, type BenchConfig } from './config.js';
import { runDrain } from './drain.js';
import { runNaiveLoop } from './naive-loop.js';
import { renderTables, summarize, type BenchResults } from './report.js';
import { startBenchStack, type BenchStack } from './stack.js';
import { runSteadyState } from './steady-state.js';
import { runWebhooks } from './webhooks.js';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function scenarios(stack: BenchStack, config: BenchConfig): Promise<BenchResults> {
  const results: BenchResults = { scale: [] };
  const on = (s: Parameters<typeof config.scenarios.has>[0]) => config.scenarios.has(s);
  const baseline = () => runBaselineWorker(stack, { events: config.baselineEvents, concurrency: config.concurrency.invitations, latencyMs: config.latencyMs });
  const baselineRuns: BaselineResult[] = [];
  // With the drain, the baseline runs before and after it and the ratio uses the mean: a shared
  // machine that speeds up or slows down during the run moves both sides alike.
  if (on('baseline') && on('drain')) {
    log(`baseline worker (before the drain): ${config.baselineEvents} jobs, concurrency ${config.concurrency.invitations}`);
    baselineRuns.push(await baseline());
    log(`baseline worker: ${baselineRuns[0]!.eventsPerSec.toFixed(1)} events/s`);
  }
  if (on('drain')) {
    log(`drain: ${config.drainEvents} invitations, 1 processor`);
    results.drain = await runDrain(stack, { events: config.drainEvents, processors: 1, latencyMs: config.latencyMs });
    log(`drain: ${results.drain.eventsPerSec.toFixed(1)} events/s`);
  }
  if (on('baseline')) {
    log(`baseline worker: ${config.baselineEvents} jobs, concurrency ${config.concurrency.invitations}`);
    baselineRuns.push(await baseline());
    log(`baseline worker: ${baselineRuns.at(-1)!.eventsPerSec.toFixed(1)} events/s`);
    results.baseline = meanOfRuns(baselineRuns);
  }
  if (on('naive')) {
    log(`naive loop: ${config.naiveEvents} invitations`);
    results.naive = await runNaiveLoop(stack, { events: config.naiveEvents, latencyMs: config.latencyMs });
    log(`naive loop: ${results.naive.eventsPerSec.toFixed(1)} events/s`);
  }
  if (on('steady')) {
    const s = config.steady;
    log(`steady state: ${s.rate}/s for ${s.warmupSeconds}+${s.seconds} s, poll every ${s.pollIntervalMs} ms`);
    results.steady = await runSteadyState(stack, s);
    log(`steady state: overhead p99 ${results.steady.overheadMs.p99} ms`);
  }
  if (on('scale')) {
    for (const processors of config.scaleProcessors) {
      if (processors === 1 && results.drain && results.drain.events === config.scaleEvents) {
        results.scale.push(results.drain);
        continue;
      }
      log(`scale: ${config.scaleEvents} invitations, ${processors} processor(s)`);
      const r = await runDrain(stack, { events: config.scaleEvents, processors, latencyMs: config.latencyMs });
      results.scale.push(r);
      log(`scale: ${processors} processor(s) ${r.eventsPerSec.toFixed(1)} events/s`);
    }
  }
  if (on('webhooks')) {
    const w = config.webhooks;
    log(`time to answer: ${w.rate}/s for ${w.warmupSeconds}+${w.seconds} s, polling only (every ${w.pollIntervalMs} ms), then webhooks on (reconciling every ${w.reconcileIntervalMs} ms), then 10% of pushes dropped`);
    results.webhooks = await runWebhooks(stack, { ...w, firmFile: stack.firmFile });
    for (const r of results.webhooks.runs) log(`time to answer, ${r.mode}: p50 ${r.timeToAnswerMs.p50} ms, p99 ${r.timeToAnswerMs.p99} ms${r.onlyByPollingShare === undefined ? '' : `, only by polling ${(r.onlyByPollingShare * 100).toFixed(1)}%`}`);
  }
  return results;
}

async function main(): Promise<number> {
  let config: BenchConfig;
  try {
    config = loadBenchConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const startedAt = Date.now();
  log(`starting (${config.quick ? 'quick' : 'full'} run)`);
  const stack = await startBenchStack(config);
  const stop = () => {
    void stack.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let results: BenchResults;
  try {
    results = await scenarios(stack, config);
  } finally {
    await stack.close();
  }
  const meta = {
    quick: config.quick,
    concurrency: config.concurrency,
    ...(config.serviceNodeOptions !== undefined && { serviceNodeOptions: config.serviceNodeOptions }),
    serviceNodeFlags: config.serviceNodeFlags.join(' '),
    lexamicaLatencyMs: config.latencyMs,
    runner: config.runner,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
    durationSec: Math.round((Date.now() - startedAt) / 1_000),
  };
  process.stdout.write(`${renderTables(results)}\n\n`);
  process.stdout.write(`${JSON.stringify(summarize(results, meta))}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
