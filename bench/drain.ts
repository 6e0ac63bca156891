/**
 * Backfill drain: the sandbox holds `events` stored `Case Invitation Sent` events; `processors`
 * processors are up and idle; the clock starts when the poller is up and stops at the last answer
 * the sandbox received. Also measures Redis commands and memory over the drain and each service's
 * peak RSS.
 */
import { waitFor } from '@lexbridge/testkit';
import { scriptCalls, summarizeCommands } from './redis-probe.js';
import { waitAnswered, type BenchStack } from './stack.js';
import { stopAndMeasure, type ServiceProcess } from './service-process.js';

export interface DrainResult {
  events: number;
  processors: number;
  seconds: number;
  eventsPerSec: number;
  /** Every Redis command over the drain (including those inside Lua scripts), per event. */
  redisCommandsPerEvent: number;
  /** EVAL/EVALSHA/FCALL calls per event (round trips that run a script). */
  redisScriptCallsPerEvent: number;
  topCommands: Array<[string, number]>;
  /** used_memory growth over the drain, per event retained (ledger, completed jobs, seen ids, feed). */
  redisBytesPerEvent: number;
  /** Peak RSS (VmHWM) per service, MB. */
  rssMb: Record<string, number>;
  /** CPU time per event over the drain, ms, per process (services, sandbox, redis). */
  cpuMsPerEvent: Record<string, number>;
  /** What the sandbox saw: answers that succeeded, and any duplicate or late ones (must be 0). */
  check: { ok: number; duplicate: number; afterExpiry: number; conflict: number };
}

export async function runDrain(stack: BenchStack, opts: { events: number; processors: number; latencyMs: number }): Promise<DrainResult> {
  const { events, processors } = opts;
  await stack.probe.clean();
  await stack.sandbox.reset();
  await stack.sandbox.setLatency(opts.latencyMs);
  await stack.sandbox.preload(events);

  const started: ServiceProcess[] = [];
  try {
    const procs = await Promise.all(Array.from({ length: processors }, (_, i) => stack.startProcessor(`processor-${i + 1}`)));
    started.push(...procs);
    const memoryBefore = await stack.probe.usedMemoryBytes();
    await stack.probe.resetStats();

    const poller = await stack.startPoller();
    const t0 = Date.now();
    started.push(poller);
    const cpuAt = async () => {
      const cpu: Record<string, number> = { redis: await stack.probe.cpuSeconds() };
      for (const p of [...started, stack.sandboxProcess]) cpu[p.name] = p.cpuSeconds() ?? 0;
      return cpu;
    };
    const cpuBefore = await cpuAt();
    // Generous: a drain slower than 20 events/s is broken, not slow.
    await waitAnswered(stack, events, Math.max(60_000, (events / 20) * 1_000));
    const actions = await stack.sandbox.actions();
    const lastAt = actions.reduce((max, a) => Math.max(max, Date.parse(a.at)), 0);
    const seconds = (lastAt - t0) / 1_000;
    // The work after the last answer (ledger, feed, job completion) belongs to the drain too.
    await waitFor(() => stack.idle(), { timeoutMs: 30_000, intervalMs: 100, message: 'queues idle after the drain' });

    const cpuAfter = await cpuAt();
    const cpuMsPerEvent = Object.fromEntries(Object.entries(cpuAfter).map(([k, v]) => [k, Math.round(((v - (cpuBefore[k] ?? 0)) / events) * 1e5) / 100]));
    const counts = await stack.probe.commandStats();
    const memoryAfter = await stack.probe.usedMemoryBytes();
    const { total, top } = summarizeCommands(counts);
    const stats = await stack.sandbox.stats();
    if (stats.actions.ok !== events || stats.actions.duplicate > 0 || stats.actions.afterExpiry > 0) {
      throw new Error(`drain answered wrongly: ${JSON.stringify(stats.actions)} for ${events} invitations`);
    }
    // Every invitation answered once can still hide a job that failed (an outcome not recorded,
    // a feed item not appended): the benchmark of a broken build is no benchmark.
    const failed = await stack.failedJobs();
    if (Object.keys(failed).length > 0) throw new Error(`drain left failed jobs: ${JSON.stringify(failed)}`);
    const rssMb = await stopAndMeasure(started.splice(0));
    return {
      events,
      processors,
      seconds,
      eventsPerSec: events / seconds,
      redisCommandsPerEvent: total / events,
      redisScriptCallsPerEvent: scriptCalls(counts) / events,
      topCommands: top.map(([name, n]) => [name, Math.round((n / events) * 100) / 100]),
      redisBytesPerEvent: (memoryAfter - memoryBefore) / events,
      rssMb,
      cpuMsPerEvent,
      check: { ok: stats.actions.ok, duplicate: stats.actions.duplicate, afterExpiry: stats.actions.afterExpiry, conflict: stats.actions.conflict },
    };
  } finally {
    await stopAndMeasure(started);
  }
}
