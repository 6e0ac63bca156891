/**
 * The sandbox's configuration: environment variables, each overridable by a command-line flag of
 * the same name (`SANDBOX_FAULT_5XX` ↔ `--fault-5xx`, `LOG_LEVEL` ↔ `--log-level`). Parsed once.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { FaultConfigInput } from './faults/fault-config.js';
import { MISBEHAVIOURS, type MisbehaviourInput } from './misbehaviour/misbehaviour.js';
import { loadProfile } from './profile/load-profile.js';
import { SandboxProfileError, type SandboxProfile } from './profile/sandbox-profile.js';
import { SCENARIO_PRESETS, scenarioOptionsSchema, type ScenarioOptionsInput } from './scenario/scenario-options.js';

/** A bad environment variable or flag: every problem names the variable. */
export class ConfigError extends Error {
  constructor(readonly problems: ReadonlyArray<{ variable: string; message: string }>) {
    super(`Invalid sandbox configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n')}`);
  }
}

/** A whole number within bounds; an empty string counts as unset. */
const intVar = (o: { default: number; min: number; max?: number }) =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce
      .number({ error: 'must be a whole number' })
      .int('must be a whole number')
      .min(o.min, `must be at least ${o.min}`)
      .max(o.max ?? Number.MAX_SAFE_INTEGER, `must be at most ${o.max ?? Number.MAX_SAFE_INTEGER}`)
      .default(o.default),
  );

/** `SANDBOX_MISBEHAVE`'s names, or a problem naming the unknown ones. */
function misbehaviourNames(list: string): { names: MisbehaviourInput['on'] } | { problem: string } {
  const names = list.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(MISBEHAVIOURS as readonly string[]).includes(n));
  if (unknown.length) return { problem: `unknown ${unknown.join(', ')}; use ${MISBEHAVIOURS.join(', ')}` };
  return { names: names as MisbehaviourInput['on'] };
}

const rateVar = () =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number({ error: 'must be a number' }).min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').default(0),
  );
const optionalText = z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().min(1).optional());

const scenarioVar = z
  .string()
  .trim()
  .default('demo')
  .transform((value, ctx): { name: string; autoStart: boolean; options: ScenarioOptionsInput } => {
    const preset = SCENARIO_PRESETS[value];
    if (preset) return { name: value, ...preset };
    if (!value.startsWith('{')) {
      ctx.addIssue({ code: 'custom', message: `must be ${Object.keys(SCENARIO_PRESETS).join(', ')} or a JSON object of scenario options` });
      return z.NEVER;
    }
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
      return z.NEVER;
    }
    const parsed = scenarioOptionsSchema.safeParse(json);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      return z.NEVER;
    }
    return { name: 'custom', autoStart: true, options: json as ScenarioOptionsInput };
  });

/** Every variable the sandbox reads, with its default. */
export const sandboxEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be fatal, error, warn, info, debug, trace or silent' }).default('info'),
  /** The API to serve: `default`, `alternate`, or a YAML file (a firm's lexbridge.yaml or a profile file). */
  SANDBOX_PROFILE: z.string().trim().default('default'),
  /** Misbehaviour to switch on, comma-separated (see misbehaviour.ts). */
  SANDBOX_MISBEHAVE: z.string().trim().default(''),
  /** How long `slow-answers` holds each answer (default 1 000 ms). */
  SANDBOX_SLOW_MS: intVar({ default: 1_000, min: 0, max: 120_000 }),
  /** Listening port (default 4010; 0 picks a free one). */
  SANDBOX_PORT: intVar({ default: 4010, min: 0, max: 65_535 }),
  SANDBOX_HOST: z.string().trim().min(1).default('127.0.0.1'),
  /** Seeds ids, invitations, keys and fault decisions (default 1). */
  SANDBOX_SEED: intVar({ default: 1, min: 0, max: 4_294_967_295 }),
  /** `idle`, `demo` (default), `busy`, or a JSON object of scenario options. */
  SANDBOX_SCENARIO: scenarioVar,
  /** The organisation; all three or none (none: derived from the seed). */
  SANDBOX_ORG_ID: optionalText,
  SANDBOX_PUBLIC_KEY: optionalText,
  SANDBOX_PRIVATE_KEY: optionalText,
  /** Stored-event retention (default 30 days). */
  SANDBOX_RETENTION_MS: intVar({ default: 30 * 86_400_000, min: 1_000 }),
  SANDBOX_FAULT_5XX: rateVar(),
  SANDBOX_FAULT_5XX_STATUS: intVar({ default: 503, min: 500, max: 599 }),
  SANDBOX_FAULT_429: rateVar(),
  SANDBOX_FAULT_RETRY_AFTER_S: intVar({ default: 1, min: 0, max: 3_600 }),
  SANDBOX_FAULT_LATENCY: rateVar(),
  SANDBOX_FAULT_LATENCY_MIN_MS: intVar({ default: 50, min: 0, max: 60_000 }),
  SANDBOX_FAULT_LATENCY_MAX_MS: intVar({ default: 500, min: 0, max: 60_000 }),
  SANDBOX_FAULT_RESET: rateVar(),
  SANDBOX_FAULT_DUPLICATE: rateVar(),
  SANDBOX_FAULT_LATE: rateVar(),
  SANDBOX_FAULT_LATE_WINDOW_MS: intVar({ default: 60_000, min: 1 }),
  SANDBOX_FAULT_SAME_TIMESTAMP: rateVar(),
  SANDBOX_FAULT_SAME_TIMESTAMP_COUNT: intVar({ default: 10, min: 2, max: 10_000 }),
};

/** `SANDBOX_FAULT_5XX` → `fault-5xx`, `LOG_LEVEL` → `log-level`. */
export const flagFor = (variable: string): string => variable.replace(/^SANDBOX_/, '').toLowerCase().replace(/_/g, '-');

/** The parsed configuration `main.ts` wires from. */
export interface SandboxConfig {
  port: number;
  host: string;
  seed: number;
  logLevel: string;
  retentionMs: number;
  scenario: { name: string; autoStart: boolean; options: ScenarioOptionsInput };
  org?: { id: string; publicKey: string; privateKey: string };
  faults: FaultConfigInput;
  profile: SandboxProfile;
  /** What `SANDBOX_PROFILE` named (a built-in profile or a file), for the banner. */
  profileSource: string;
  misbehaviour: MisbehaviourInput;
}

/** Usage text for `--help`. */
export function usage(): string {
  return `Usage: sandbox [--flag value]...\n${Object.keys(sandboxEnv).map((v) => `  --${flagFor(v).padEnd(24)} (env ${v})`).join('\n')}\n`;
}

/** Parses flags over the environment; throws ConfigError naming each bad variable or flag. */
export function loadSandboxConfig(argv: string[] = process.argv.slice(2), env: Record<string, string | undefined> = process.env): SandboxConfig {
  const variables = Object.keys(sandboxEnv);
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options: Object.fromEntries(variables.map((v) => [flagFor(v), { type: 'string' as const }])), strict: true }).values;
  } catch (err) {
    throw new ConfigError([{ variable: 'command line', message: (err as Error).message }]);
  }
  const merged: Record<string, string | undefined> = { ...env };
  for (const v of variables) {
    const flag = values[flagFor(v)];
    if (typeof flag === 'string') merged[v] = flag;
  }
  const parsed = z.object(sandboxEnv).safeParse(merged);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? '(root)'), message: i.message })));
  const e = parsed.data;
  let profile: SandboxProfile;
  try {
    profile = loadProfile(e.SANDBOX_PROFILE);
  } catch (err) {
    if (!(err instanceof SandboxProfileError)) throw err;
    throw new ConfigError([{ variable: 'SANDBOX_PROFILE', message: err.problems.join('; ') }]);
  }
  const misbehave = misbehaviourNames(e.SANDBOX_MISBEHAVE);
  if ('problem' in misbehave) throw new ConfigError([{ variable: 'SANDBOX_MISBEHAVE', message: misbehave.problem }]);
  const orgParts = [e.SANDBOX_ORG_ID, e.SANDBOX_PUBLIC_KEY, e.SANDBOX_PRIVATE_KEY];
  if (orgParts.some((p) => p !== undefined) && orgParts.some((p) => p === undefined)) {
    throw new ConfigError([{ variable: 'SANDBOX_ORG_ID', message: 'set SANDBOX_ORG_ID, SANDBOX_PUBLIC_KEY and SANDBOX_PRIVATE_KEY together, or none' }]);
  }
  if (e.SANDBOX_PUBLIC_KEY !== undefined && e.SANDBOX_PUBLIC_KEY === e.SANDBOX_PRIVATE_KEY) {
    throw new ConfigError([{ variable: 'SANDBOX_PRIVATE_KEY', message: 'must differ from SANDBOX_PUBLIC_KEY' }]);
  }
  if (e.SANDBOX_FAULT_LATENCY_MIN_MS > e.SANDBOX_FAULT_LATENCY_MAX_MS) {
    throw new ConfigError([{ variable: 'SANDBOX_FAULT_LATENCY_MIN_MS', message: 'must not exceed SANDBOX_FAULT_LATENCY_MAX_MS' }]);
  }
  return {
    port: e.SANDBOX_PORT,
    host: e.SANDBOX_HOST,
    seed: e.SANDBOX_SEED,
    logLevel: e.LOG_LEVEL,
    retentionMs: e.SANDBOX_RETENTION_MS,
    scenario: e.SANDBOX_SCENARIO,
    ...(e.SANDBOX_ORG_ID && e.SANDBOX_PUBLIC_KEY && e.SANDBOX_PRIVATE_KEY
      ? { org: { id: e.SANDBOX_ORG_ID, publicKey: e.SANDBOX_PUBLIC_KEY, privateKey: e.SANDBOX_PRIVATE_KEY } }
      : {}),
    profile,
    profileSource: e.SANDBOX_PROFILE,
    misbehaviour: { on: misbehave.names, slowMs: e.SANDBOX_SLOW_MS },
    faults: {
      serverError: { rate: e.SANDBOX_FAULT_5XX, status: e.SANDBOX_FAULT_5XX_STATUS },
      rateLimit: { rate: e.SANDBOX_FAULT_429, retryAfterSec: e.SANDBOX_FAULT_RETRY_AFTER_S },
      latency: { rate: e.SANDBOX_FAULT_LATENCY, minMs: e.SANDBOX_FAULT_LATENCY_MIN_MS, maxMs: e.SANDBOX_FAULT_LATENCY_MAX_MS },
      reset: { rate: e.SANDBOX_FAULT_RESET },
      duplicateEvent: { rate: e.SANDBOX_FAULT_DUPLICATE },
      lateEvent: { rate: e.SANDBOX_FAULT_LATE, windowMs: e.SANDBOX_FAULT_LATE_WINDOW_MS },
      sameTimestamp: { rate: e.SANDBOX_FAULT_SAME_TIMESTAMP, count: e.SANDBOX_FAULT_SAME_TIMESTAMP_COUNT },
    },
  };
}
