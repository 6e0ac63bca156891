/**
 * The benchmark's knobs, read once from the environment. `BENCH_QUICK=1` scales every scenario down
 * to a smoke run of about a minute; each `BENCH_*` variable overrides its scenario on either scale.
 */
import { DEFAULT_QUEUE_SETTINGS } from '@lexbridge/processor';
import { boolVar, ConfigError, intVar, parseEnv } from '@lexbridge/infra/config';
import { z } from 'zod';

const optionalInt = (min: number, max: number) => intVar({ default: 0, min: 0, max }).refine((v) => v === 0 || v >= min, `must be 0 (scenario default) or at least ${min}`);

export const SCENARIOS = ['drain', 'baseline', 'naive', 'steady', 'scale', 'webhooks'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

const benchEnv = {
  BENCH_QUICK: boolVar(false),
  /** Stored invitations the backfill drain answers (default 50 000; quick 2 000). */
  BENCH_EVENTS: optionalInt(100, 1_000_000),
  /** Jobs the plain-BullMQ baseline works through (default: BENCH_EVENTS). */
  BENCH_BASELINE_EVENTS: optionalInt(100, 1_000_000),
  /** Events the naive sequential loop answers (default 2 000; quick 300). Its rate is flat, so fewer suffice. */
  BENCH_NAIVE_EVENTS: optionalInt(100, 1_000_000),
  /** Processor counts of the scale scenario, comma-separated (default `1,2,4`; quick `1,2`). */
  BENCH_SCALE: z
    .string()
    .trim()
    .regex(/^\d+(,\d+)*$/, 'must be comma-separated whole numbers, e.g. 1,2,4')
    .optional()
    .transform((v) => (v === undefined ? undefined : v.split(',').map(Number)))
    .refine((v) => v === undefined || v.every((n) => n >= 1 && n <= 16), 'each count must be 1..16'),
  /** Invitations per drain of the scale runs (default 15 000, to stay within ~8 minutes; quick: BENCH_EVENTS). */
  BENCH_SCALE_EVENTS: optionalInt(100, 1_000_000),
  /** Steady-state arrival rate, invitations per second (default 200). */
  BENCH_STEADY_RATE: intVar({ default: 200, min: 1, max: 1_000 }),
  /** Measured steady-state seconds, after the warm-up (default 30; quick 8). */
  BENCH_STEADY_SECONDS: optionalInt(1, 3_600),
  /** Steady-state warm-up seconds, not measured (default 5; quick 2). */
  BENCH_STEADY_WARMUP_SECONDS: optionalInt(1, 600),
  /** The poller's interval in the steady state (default 100 ms). */
  BENCH_POLL_INTERVAL_MS: intVar({ default: 100, min: 50, max: 60_000 }),
  /**
   * Concurrency of the processor's `invitations` queue, which sends the rules' actions, and of the
   * baseline worker (default the processor's default, 50): both keep as many Lexamica calls in flight.
   */
  BENCH_INVITATION_CONCURRENCY: intVar({ default: DEFAULT_QUEUE_SETTINGS.invitations.concurrency, min: 1, max: 500 }),
  /** Concurrency of the processor's `invitation-actions` queue (manual and guard actions; none in the drain). Default the processor's, 10. */
  BENCH_ACTION_CONCURRENCY: intVar({ default: DEFAULT_QUEUE_SETTINGS['invitation-actions'].concurrency, min: 1, max: 500 }),
  /**
   * `NODE_OPTIONS` for the poller and processor processes. Default: the heap cap docker-compose.yml
   * gives the services, so RSS is measured as deployed; set `none` for V8's own heap sizing.
   */
  BENCH_SERVICE_NODE_OPTIONS: z
    .string()
    .trim()
    .min(1)
    .default('--max-old-space-size=128 --max-semi-space-size=8')
    .transform((v) => (v === 'none' ? undefined : v)),
  /**
   * Node command-line flags of the poller and processor (compiled runner), before the script: V8
   * flags that NODE_OPTIONS refuses. Default: the flags docker-compose.yml runs them with; `none`
   * for none.
   */
  BENCH_SERVICE_NODE_FLAGS: z
    .string()
    .trim()
    .min(1)
    .default('--liftoff-only')
    .transform((v) => (v === 'none' ? [] : v.split(/\s+/))),
  /**
   * Round trip added to every Lexamica call by the sandbox (its latency fault at rate 1) in the
   * drain, scale and baseline scenarios (default 20 ms: a near-region API). The steady state always
   * runs at 0, so its overhead is Lexbridge's own.
   */
  BENCH_LATENCY_MS: intVar({ default: 20, min: 0, max: 5_000 }),
  /** `compiled` (default): services bundled and run with plain node, as in production; `source`: under tsx via scripts/run-ts.mjs. */
  BENCH_RUNNER: z.enum(['compiled', 'source']).default('compiled'),
  /** Run this service with `--cpu-prof` (compiled runner only) (profiles land in BENCH_PROFILE_DIR). */
  BENCH_CPU_PROF: z.enum(['poller', 'processor', 'sandbox', 'receiver']).optional(),
  BENCH_PROFILE_DIR: z.string().trim().min(1).default('bench/.profiles'),
  /** Time to answer (scenario `webhooks`): invitations per second (default 20). */
  BENCH_WEBHOOK_RATE: intVar({ default: 20, min: 1, max: 1_000 }),
  /** Its polling-only run's poll interval, and its reconciliation interval with webhooks on (defaults 5 000 and 10 000 ms). */
  BENCH_WEBHOOK_POLL_INTERVAL_MS: intVar({ default: 5_000, min: 50, max: 600_000 }),
  BENCH_WEBHOOK_RECONCILE_INTERVAL_MS: intVar({ default: 10_000, min: 50, max: 600_000 }),
  /** Scenarios to run, comma-separated (default all: drain,baseline,naive,steady,scale,webhooks). */
  BENCH_ONLY: z
    .string()
    .trim()
    .refine((v) => v.split(',').every((name) => (SCENARIOS as readonly string[]).includes(name)), `must list some of ${SCENARIOS.join(', ')}, comma-separated`)
    .optional(),
};

/** The resolved benchmark plan. */
export interface BenchConfig {
  quick: boolean;
  drainEvents: number;
  baselineEvents: number;
  naiveEvents: number;
  /** Processor counts of the scale scenario; the count 1 reuses the main drain. */
  scaleProcessors: number[];
  scaleEvents: number;
  steady: { rate: number; seconds: number; warmupSeconds: number; pollIntervalMs: number };
  /** The time-to-answer runs: same window as the steady state. */
  webhooks: { rate: number; seconds: number; warmupSeconds: number; pollIntervalMs: number; reconcileIntervalMs: number };
  concurrency: { invitations: number; actions: number };
  latencyMs: number;
  runner: 'compiled' | 'source';
  cpuProfile?: { service: 'poller' | 'processor' | 'sandbox' | 'receiver'; dir: string };
  /** `NODE_OPTIONS` of the poller and processor processes; unset, V8 sizes the heap itself. */
  serviceNodeOptions?: string;
  /** Node flags of the poller and processor processes (compiled runner only). */
  serviceNodeFlags: string[];
  scenarios: ReadonlySet<ScenarioName>;
}

export function loadBenchConfig(env: Record<string, string | undefined> = process.env): BenchConfig {
  const e = parseEnv(benchEnv, env);
  if (e.BENCH_CPU_PROF && e.BENCH_RUNNER !== 'compiled') {
    throw new ConfigError([{ variable: 'BENCH_CPU_PROF', message: 'needs BENCH_RUNNER=compiled (node flags cannot pass through run-ts.mjs)' }]);
  }
  const quick = e.BENCH_QUICK;
  const pick = (value: number, full: number, small: number) => (value > 0 ? value : quick ? small : full);
  const drainEvents = pick(e.BENCH_EVENTS, 50_000, 2_000);
  return {
    quick,
    drainEvents,
    baselineEvents: pick(e.BENCH_BASELINE_EVENTS, drainEvents, drainEvents),
    naiveEvents: pick(e.BENCH_NAIVE_EVENTS, 2_000, 300),
    scaleProcessors: e.BENCH_SCALE ?? (quick ? [1, 2] : [1, 2, 4]),
    scaleEvents: pick(e.BENCH_SCALE_EVENTS, Math.min(drainEvents, 15_000), drainEvents),
    steady: {
      rate: e.BENCH_STEADY_RATE,
      seconds: pick(e.BENCH_STEADY_SECONDS, 30, 8),
      warmupSeconds: pick(e.BENCH_STEADY_WARMUP_SECONDS, 5, 2),
      pollIntervalMs: e.BENCH_POLL_INTERVAL_MS,
    },
    webhooks: {
      rate: e.BENCH_WEBHOOK_RATE,
      seconds: pick(e.BENCH_STEADY_SECONDS, 30, 8),
      warmupSeconds: pick(e.BENCH_STEADY_WARMUP_SECONDS, 5, 2),
      pollIntervalMs: e.BENCH_WEBHOOK_POLL_INTERVAL_MS,
      reconcileIntervalMs: e.BENCH_WEBHOOK_RECONCILE_INTERVAL_MS,
    },
    concurrency: { invitations: e.BENCH_INVITATION_CONCURRENCY, actions: e.BENCH_ACTION_CONCURRENCY },
    ...(e.BENCH_SERVICE_NODE_OPTIONS !== undefined && { serviceNodeOptions: e.BENCH_SERVICE_NODE_OPTIONS }),
    // Flags cannot pass through run-ts.mjs: the source runner runs without them.
    serviceNodeFlags: e.BENCH_RUNNER === 'compiled' ? e.BENCH_SERVICE_NODE_FLAGS : [],
    latencyMs: e.BENCH_LATENCY_MS,
    runner: e.BENCH_RUNNER,
    ...(e.BENCH_CPU_PROF && { cpuProfile: { service: e.BENCH_CPU_PROF, dir: e.BENCH_PROFILE_DIR } }),
    scenarios: new Set(e.BENCH_ONLY ? (e.BENCH_ONLY.split(',') as ScenarioName[]) : SCENARIOS),
  };
}
