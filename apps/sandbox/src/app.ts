/**
 * The sandbox: a local Lexamica serving any API profile (the documented defaults, the built-in
 * `alternate`, or a firm's own `profile:`), with an originator scenario, fault injection, named
 * misbehaviour and `/__sandbox/*` inspection. It shares no code with Lexbridge (a lint rule says
 * so): it is the peer Lexbridge is checked against, not a mirror of it. `buildSandbox` never listens.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createHttpFaultHook } from './faults/http-faults.js';
import type { FaultConfigInput } from './faults/fault-config.js';
import { createFaultInjector } from './faults/fault-injector.js';
import { registerErrorHandler } from './http-error.js';
import { deriveHex } from './random.js';
import { createAuthHook } from './routes/auth.js';
import { inspectRoutes } from './routes/inspect.js';
import { createMisbehaviour, type MisbehaviourInput } from './misbehaviour/misbehaviour.js';
import { loadProfile } from './profile/load-profile.js';
import { buildProfile, type SandboxProfile } from './profile/sandbox-profile.js';
import { apiRoutes, slowAnswersHook } from './routes/api-routes.js';
import { createScenarioController, type ScenarioController } from './scenario/scenario-controller.js';
import type { ScenarioOptionsInput } from './scenario/scenario-options.js';
import { createSandboxState, type SandboxOrg, type SandboxState } from './state/sandbox-state.js';

const DAY = 86_400_000;

/** Options for {@link buildSandbox}. */
export interface SandboxOptions {
  /** Seeds every id, invitation and fault decision (default 1). */
  seed?: number;
  /** The organisation and its keys (default derived from the seed: see {@link orgFromSeed}). */
  org?: SandboxOrg;
  /** The clock, in epoch ms (default `Date.now`). Timers still run in real time. */
  now?: () => number;
  /** Stored events older than this are dropped (default 30 days). */
  retentionMs?: number;
  /** How far `evaluate` pushes an invitation's expiry, once (default 24 h). */
  evaluateExtensionMs?: number;
  /** Faults from the start (default none); change them later with `state.faults.update` or `POST /__sandbox/faults`. */
  faults?: FaultConfigInput;
  /** The originator scenario's options (see `scenario-options.ts` for defaults). */
  scenario?: ScenarioOptionsInput;
  /** Start the scenario at once (default false: tests call `generate`). */
  autoStart?: boolean;
  /** How often due invitations are expired and retention applied (default 1 000 ms). */
  sweepIntervalMs?: number;
  /** Request logging (default none). */
  logger?: Logger;
  /**
   * The API profile to serve: a built-in name (`default`, `alternate`), a path to a YAML file (a
   * firm's `lexbridge.yaml` or a profile file), or a built profile. Default: the documented defaults.
   */
  profile?: string | SandboxProfile;
  /** Misbehaviour switched on from the start (see `misbehaviour.ts`); change it with `POST /__sandbox/misbehaviour`. */
  misbehaviour?: MisbehaviourInput;
  /** Webhook push faults from the start (see `webhook-pusher.ts`); change them with `POST /__sandbox/webhooks`. */
  webhookFaults?: Record<string, unknown>;
}

/** A built sandbox: the (not listening) Fastify app, its state and the scenario. */
export interface Sandbox {
  app: FastifyInstance;
  state: SandboxState;
  scenario: ScenarioController;
  /** Stops the scenario and sweeper, and closes the app. */
  close(): Promise<void>;
}

/** The organisation the sandbox makes when none is given: stable for a seed. */
export function orgFromSeed(seed: number): SandboxOrg {
  return {
    id: deriveHex(24, seed, 'org'),
    publicKey: `pk_sandbox_${deriveHex(32, seed, 'public-key')}`,
    privateKey: `sk_sandbox_${deriveHex(32, seed, 'private-key')}`,
  };
}

/**
 * Builds the sandbox without listening: `app.inject()` or `app.listen()` load its routes. Timers
 * (sweeper, scenario) run from here until `close()`.
 */
export function buildSandbox(options: SandboxOptions = {}): Sandbox {
  const seed = options.seed ?? 1;
  const profile = typeof options.profile === 'string' ? loadProfile(options.profile) : (options.profile ?? buildProfile());
  const state = createSandboxState({
    seed,
    profile,
    misbehaviour: createMisbehaviour(options.misbehaviour),
    org: options.org ?? orgFromSeed(seed),
    now: options.now ?? Date.now,
    retentionMs: options.retentionMs ?? 30 * DAY,
    evaluateExtensionMs: options.evaluateExtensionMs ?? DAY,
    faults: createFaultInjector(seed, options.faults),
  });
  const scenario = createScenarioController({
    state,
    ...(options.scenario === undefined ? {} : { options: options.scenario }),
    ...(options.sweepIntervalMs === undefined ? {} : { sweepIntervalMs: options.sweepIntervalMs }),
  });

  // pino's Logger is a FastifyBaseLogger at runtime; the cast keeps the default instance type.
  // close() ends every connection, idle or not: a local Lexamica has no answer worth waiting for
  // (a latency fault or a slow answer in flight held a test's afterAll for its whole timeout).
  const serverOptions = { forceCloseConnections: true } as const;
  const app: FastifyInstance = options.logger
    ? Fastify({ ...serverOptions, loggerInstance: options.logger as FastifyBaseLogger })
    : Fastify({ ...serverOptions, logger: false });
  registerErrorHandler(app);
  // Not awaited: plugins load on ready/listen/inject, so building stays synchronous.
  void app.register(async (api) => {
    api.addHook('onRequest', slowAnswersHook(state));
    api.addHook('onRequest', createHttpFaultHook(state.faults));
    api.addHook('onRequest', createAuthHook(state.org, state.profile));
    await apiRoutes(api, state);
  });
  if (options.webhookFaults) {
    const set = state.webhooks.update(options.webhookFaults);
    if (!set.success) throw new Error(`webhookFaults: ${set.error.message}`);
  }
  inspectRoutes(app, state, scenario);
  if (options.autoStart) scenario.start();

  return {
    app,
    state,
    scenario,
    async close() {
      scenario.close();
      state.webhooks.close();
      await app.close();
    },
  };
}
