/**
 * The benchmark's output: a table per scenario for people, then one line of JSON for machines
 * (the last line printed), with the targets of issue 11 checked.
 */
import type { BaselineResult } from './baseline-worker.js';
import type { DrainResult } from './drain.js';
import type { NaiveResult } from './naive-loop.js';
import type { SteadyResult } from './steady-state.js';
import type { WebhooksResult } from './webhooks.js';

/** Everything one run measured; a scenario left out (BENCH_ONLY) is absent. */
export interface BenchResults {
  drain?: DrainResult;
  baseline?: BaselineResult;
  naive?: NaiveResult;
  steady?: SteadyResult;
  /** Time to answer, polling only and with webhooks (issue 20). */
  webhooks?: WebhooksResult;
  /** Drains by processor count (the count 1 is the main drain when it ran with the same size). */
  scale: DrainResult[];
}

/** Issue 11's targets. */
const TARGETS = {
  ratioToBaselineWorker: 0.6,
  ratioToNaiveLoop: 10,
  p99OverheadMs: 50,
  redisCommandsPerEvent: 30,
  peakRssMb: 150,
  timeToAnswerWebhooksP99Ms: 1_000,
} as const;

const round = (v: number | undefined, digits = 1): number | null => (v === undefined || !Number.isFinite(v) ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/** The services' peak RSS across every scenario: the largest seen per service kind (poller, processor). */
function rssByService(r: BenchResults): Record<string, number> {
  const out: Record<string, number> = {};
  const runs = [r.drain, r.steady, ...r.scale].filter((x) => x !== undefined);
  for (const run of runs) {
    for (const [name, mb] of Object.entries(run.rssMb)) {
      const kind = name.replace(/-\d+$/, '');
      out[kind] = Math.max(out[kind] ?? 0, mb);
    }
  }
  return out;
}

/** The JSON summary (the last line of the run). */
export function summarize(r: BenchResults, meta: Record<string, unknown>): Record<string, unknown> {
  const drain = r.drain?.eventsPerSec;
  const rss = rssByService(r);
  const summary = {
    drainEventsPerSec: round(drain),
    baselineWorkerEventsPerSec: round(r.baseline?.eventsPerSec),
    // Before and after the drain, when both ran: the figure above is their mean.
    baselineWorkerRunsEventsPerSec: r.baseline?.runs?.map((x) => round(x)) ?? null,
    naiveLoopEventsPerSec: round(r.naive?.eventsPerSec),
    ratioToBaselineWorker: round(drain !== undefined && r.baseline ? drain / r.baseline.eventsPerSec : undefined, 3),
    ratioToNaiveLoop: round(drain !== undefined && r.naive ? drain / r.naive.eventsPerSec : undefined, 2),
    p99OverheadMs: round(r.steady?.overheadMs.p99),
    p50OverheadMs: round(r.steady?.overheadMs.p50),
    maxOverheadMs: round(r.steady?.overheadMs.max),
    p50EndToEndMs: round(r.steady?.endToEndMs.p50),
    p99EndToEndMs: round(r.steady?.endToEndMs.p99),
    maxEndToEndMs: round(r.steady?.endToEndMs.max),
    redisCommandsPerEvent: round(r.drain?.redisCommandsPerEvent, 2),
    redisScriptCallsPerEvent: round(r.drain?.redisScriptCallsPerEvent, 2),
    redisBytesPerEvent: round(r.drain?.redisBytesPerEvent, 0),
    peakRssMb: Object.keys(rss).length ? Math.max(...Object.values(rss)) : null,
    rssMb: rss,
    scale: r.scale.map((s) => ({ processors: s.processors, events: s.events, eventsPerSec: round(s.eventsPerSec) })),
    timeToAnswerMs: r.webhooks
      ? Object.fromEntries(r.webhooks.runs.map((w) => [w.mode, { p50: w.timeToAnswerMs.p50, p99: w.timeToAnswerMs.p99, ...(w.onlyByPollingShare !== undefined && { onlyByPollingShare: round(w.onlyByPollingShare, 4) }) }]))
      : null,
    ...meta,
  };
  const tta = (mode: string) => r.webhooks?.runs.find((w) => w.mode === mode)?.timeToAnswerMs.p99;
  const checks = {
    ratioToBaselineWorker: summary.ratioToBaselineWorker === null ? null : summary.ratioToBaselineWorker >= TARGETS.ratioToBaselineWorker,
    ratioToNaiveLoop: summary.ratioToNaiveLoop === null ? null : summary.ratioToNaiveLoop >= TARGETS.ratioToNaiveLoop,
    p99OverheadMs: summary.p99OverheadMs === null ? null : summary.p99OverheadMs <= TARGETS.p99OverheadMs,
    redisCommandsPerEvent: summary.redisCommandsPerEvent === null ? null : summary.redisCommandsPerEvent <= TARGETS.redisCommandsPerEvent,
    peakRssMb: summary.peakRssMb === null ? null : summary.peakRssMb <= TARGETS.peakRssMb,
    // Issue 20: p99 under 1 s with webhooks; under the poll interval plus 1 s polling only.
    timeToAnswerWebhooksP99Ms: tta('webhooks') === undefined ? null : tta('webhooks')! < TARGETS.timeToAnswerWebhooksP99Ms,
    timeToAnswerPollingP99Ms: tta('polling') === undefined ? null : tta('polling')! < r.webhooks!.pollIntervalMs + 1_000,
  };
  return { ...summary, targetsMet: checks };
}

function table(title: string, rows: Array<[string, string | number | null | undefined]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return [`\n${title}`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v ?? '-'}`)].join('\n');
}

const fmt = (v: number | undefined, digits = 1) => (v === undefined ? undefined : v.toFixed(digits));
const rssText = (rss: Record<string, number>) => Object.entries(rss).map(([k, v]) => `${k} ${v} MB`).join(', ');

/** Human-readable tables of every scenario that ran. */
export function renderTables(r: BenchResults): string {
  const out: string[] = [];
  if (r.drain) {
    const d = r.drain;
    out.push(
      table(`Backfill drain: ${d.events} stored invitations, ${d.processors} processor(s)`, [
        ['time to answer all (s)', fmt(d.seconds, 2)],
        ['events/s', fmt(d.eventsPerSec)],
        ['Redis commands/event (incl. in scripts)', fmt(d.redisCommandsPerEvent, 2)],
        ['  of which script calls (EVAL/EVALSHA)', fmt(d.redisScriptCallsPerEvent, 2)],
        ['  top commands/event', d.topCommands.map(([n, c]) => `${n} ${c}`).join(', ')],
        ['Redis bytes per retained event', fmt(d.redisBytesPerEvent, 0)],
        ['peak RSS', rssText(d.rssMb)],
        ['CPU ms/event', Object.entries(d.cpuMsPerEvent).map(([k, v]) => `${k} ${v}`).join(', ')],
        ['sandbox: ok / duplicate / after expiry / conflict', `${d.check.ok} / ${d.check.duplicate} / ${d.check.afterExpiry} / ${d.check.conflict}`],
      ]),
    );
  }
  if (r.baseline || r.naive) {
    out.push(
      table('Baselines (same machine, same sandbox)', [
        [
          `plain BullMQ worker, 1 POST/job, concurrency ${r.baseline?.concurrency ?? '-'} (events/s)`,
          `${fmt(r.baseline?.eventsPerSec)}${r.baseline?.runs ? ` (mean of ${r.baseline.runs.map((x) => fmt(x)).join(' before, ')} after the drain)` : ''}`,
        ],
        ['  Redis commands/event', fmt(r.baseline?.redisCommandsPerEvent, 2)],
        [`naive sequential loop, ${r.naive?.events ?? '-'} events (events/s)`, fmt(r.naive?.eventsPerSec)],
      ]),
    );
  }
  if (r.steady) {
    const s = r.steady;
    out.push(
      table(`Steady state: ${s.rate} invitations/s for ${s.seconds} s, poll interval ${s.pollIntervalMs} ms (${s.measured} measured)`, [
        ['overhead p50 / p99 / max (ms)', `${s.overheadMs.p50} / ${s.overheadMs.p99} / ${s.overheadMs.max}`],
        ['end to end, poll wait included (ms)', `${s.endToEndMs.p50} / ${s.endToEndMs.p99} / ${s.endToEndMs.max}`],
        ['poll wait (ms)', `${s.pollWaitMs.p50} / ${s.pollWaitMs.p99} / ${s.pollWaitMs.max}`],
        ['Redis commands/event', fmt(s.redisCommandsPerEvent, 2)],
        ['peak RSS', rssText(s.rssMb)],
      ]),
    );
  }
  if (r.webhooks) {
    const w = r.webhooks;
    out.push(
      table(`Time to answer: ${w.rate} invitations/s for ${w.seconds} s (stored → answer on Lexamica); poll ${w.pollIntervalMs} ms, reconciling ${w.reconcileIntervalMs} ms`, [
        ...w.runs.map((x): [string, string] => [
          `${x.mode} p50 / p99 / max (ms)`,
          `${x.timeToAnswerMs.p50} / ${x.timeToAnswerMs.p99} / ${x.timeToAnswerMs.max} (${x.measured} measured)${x.onlyByPollingShare === undefined ? '' : `, only by polling ${(x.onlyByPollingShare * 100).toFixed(1)}%`}`,
        ]),
        ['peak RSS', rssText(w.rssMb)],
      ]),
    );
  }
  if (r.scale.length) {
    out.push(table('Scale: drain by processor count', r.scale.map((s) => [`${s.processors} processor(s), ${s.events} events (events/s)`, fmt(s.eventsPerSec)])));
  }
  return out.join('\n');
}
