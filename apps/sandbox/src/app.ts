/**
 * The sandbox: a local Lexamica honouring the API profile (lexamica-api.md), with an originator
 * scenario, fault injection and `/__sandbox/*` inspection. `buildSandbox` never listens.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createHttpFaultHook } from './faults/http-faults.js';
import type { FaultConfigInput } from './faults/fault-config.js';
import { createFaultInjector } from './faults/fault-injector.js';
import { registerErrorHandler } from './http-error.js';
import { deriveHex } from './random.js';
import { createAuthHook } from './routes/auth.js';
import { caseUpdateRoutes } from './routes/case-updates.js';
import { fileRoutes } from './routes/files.js';
import { inspectRoutes } from './routes/inspect.js';
import { invitationRoutes } from './routes/invitations.js';
import { mappingRoutes } from './routes/mappings.js';
import { storedEventRoutes } from './routes/stored-events.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
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
  const state = createSandboxState({
    seed,
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
  const app: FastifyInstance = options.logger ? Fastify({ loggerInstance: options.logger as FastifyBaseLogger }) : Fastify({ logger: false });
  registerErrorHandler(app);
  // Not awaited: plugins load on ready/listen/inject, so building stays synchronous.
  void app.register(
    async (profile) => {
      profile.addHook('onRequest', createHttpFaultHook(state.faults));
      profile.addHook('onRequest', createAuthHook(state.org));
      mappingRoutes(profile, state);
      subscriptionRoutes(profile, state);
      storedEventRoutes(profile, state);
      invitationRoutes(profile, state);
      caseUpdateRoutes(profile, state);
      await fileRoutes(profile, state);
    },
    { prefix: '/organization/:orgId' },
  );
  inspectRoutes(app, state, scenario);
  if (options.autoStart) scenario.start();

  return {
    app,
    state,
    scenario,
    async close() {
      scenario.close();
      await app.close();
    },
  };
}
