/**
 * The originator side in motion: sends invitations at the configured rate and mix, cancels some,
 * posts case updates on accepted cases, closes some, and sweeps due invitations into `expired`.
 * Every choice is seeded; timing follows the clock.
 */
import { createRandom, deriveSeed, type Random } from '../random.js';
import type { InvitationRecord } from '../state/invitations.js';
import type { SandboxState } from '../state/sandbox-state.js';
import { createInvitationDoc } from './invitation-factory.js';
import { scenarioOptionsSchema, type ScenarioOptions, type ScenarioOptionsInput } from './scenario-options.js';

export interface ScenarioController {
  readonly running: boolean;
  readonly options: ScenarioOptions;
  /** Starts sending (options given are merged over the current ones). Restarting applies new options. */
  start(options?: ScenarioOptionsInput): void;
  stop(): void;
  /** Stops, forgets every invitation and event (mappings and subscriptions stay), and sets options. */
  reset(options?: ScenarioOptionsInput): void;
  /** Sends `n` invitations now, synchronously; `atMs` gives them all one createdAt. */
  generate(n: number, atMs?: number): InvitationRecord[];
  /** One scenario step, as the timer runs it: sends, cancels, updates and closes. */
  tick(): void;
  /** Expires due invitations and applies retention; runs on its own interval too. */
  sweep(): number;
  /** Stops every timer (the sandbox's close calls it). */
  close(): void;
}

export interface ScenarioControllerOptions {
  state: SandboxState;
  options?: ScenarioOptionsInput;
  /** How often the sweeper runs (default 1 000 ms). */
  sweepIntervalMs?: number;
}

const MIN_TICK_MS = 20;
const LATER_STAGES = ['Treatment', 'Demand Sent', 'Negotiation', 'Litigation'];
const EDITS = [
  'Client reports ongoing physical therapy; records requested from the clinic.',
  'Police report obtained; the other driver was cited.',
  'Insurer has acknowledged the claim and assigned an adjuster.',
];
const MISSING_FIELDS = ['referral.client.phone', 'referral.incident.date', 'referral.incident.city'];

export function createScenarioController(opts: ScenarioControllerOptions): ScenarioController {
  const { state } = opts;
  let options = scenarioOptionsSchema.parse(opts.options ?? {});
  let random: Random = createRandom(deriveSeed(state.seed, state.epoch, 'scenario'));
  let nextIndex = 0;
  let timer: NodeJS.Timeout | undefined;
  let owed = 0;
  const sweeper = setInterval(() => controller.sweep(), opts.sweepIntervalMs ?? 1_000);
  sweeper.unref();
  // The `shifting-pages` misbehaviour sends its late invitations through the scenario (same ids and mix).
  state.setLateInvitationSource((atMs) => void controller.generate(1, atMs));

  const randomOf = (status: 'open' | 'accepted'): string | undefined => {
    const ids = status === 'open' ? [...state.invitations.idsWith('open'), ...state.invitations.idsWith('evaluating')] : state.invitations.idsWith(status);
    return ids.length === 0 ? undefined : random.pick(ids);
  };

  const controller: ScenarioController = {
    get running() {
      return timer !== undefined;
    },
    get options() {
      return options;
    },
    start(input) {
      controller.stop();
      options = scenarioOptionsSchema.parse({ ...options, ...input });
      if (options.rate <= 0) return;
      const intervalMs = Math.max(MIN_TICK_MS, 1000 / options.rate);
      const perTick = (options.rate * intervalMs) / 1000;
      timer = setInterval(() => {
        // Rates above 1000/MIN_TICK_MS send several per tick; fractions carry over.
        owed += perTick;
        while (owed >= 1) {
          owed -= 1;
          controller.tick();
        }
      }, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      owed = 0;
    },
    reset(input) {
      controller.stop();
      state.reset();
      nextIndex = 0;
      random = createRandom(deriveSeed(state.seed, state.epoch, 'scenario'));
      options = scenarioOptionsSchema.parse({ ...options, ...input });
    },
    generate(n, atMs) {
      const out: InvitationRecord[] = [];
      for (let i = 0; i < n; i++) {
        const doc = createInvitationDoc(state.seed, state.epoch, nextIndex++, options, atMs ?? state.now());
        out.push(state.invitations.add(doc));
      }
      return out;
    },
    tick() {
      const burst = options.sameTimestampBurst;
      if (random.chance(burst.rate)) controller.generate(burst.size, state.now());
      else controller.generate(1);
      if (random.chance(options.cancelRate)) {
        const id = randomOf('open');
        if (id) state.invitations.cancel(id);
      }
      if (random.chance(options.updateRate)) {
        const id = randomOf('accepted');
        if (id) state.caseUpdates.postFromOriginator(id);
      }
      if (random.chance(options.closeRate)) {
        const id = randomOf('accepted');
        if (id) state.invitations.close(id);
      }
      // The rest of a case's life, each stored as the event the seeds name.
      const onAccepted = (chance: number, run: (id: string) => unknown) => {
        const id = random.chance(chance) ? randomOf('accepted') : undefined;
        if (id) run(id);
      };
      const onOpen = (chance: number, run: (id: string) => unknown) => {
        const id = random.chance(chance) ? randomOf('open') : undefined;
        if (id) run(id);
      };
      onAccepted(options.stageRate, (id) => state.cases.changeStage(id, random.pick(LATER_STAGES)));
      onAccepted(options.editRate, (id) => state.cases.edit(id, random.pick(EDITS)));
      onAccepted(options.settleRate, (id) => state.cases.settle(id, Math.round(random.between(10_000, 400_000) / 500) * 500));
      onOpen(options.relayStopRate, (id) => state.invitations.stopRelay(id));
      onOpen(options.missingInfoRate, (id) => state.cases.missingInfo(id, [random.pick(MISSING_FIELDS)], 'Please confirm before deciding'));
      onOpen(options.deleteRate, (id) => state.cases.remove(id));
    },
    sweep() {
      state.applyRetention();
      return state.invitations.sweep();
    },
    close() {
      controller.stop();
      clearInterval(sweeper);
    },
  };
  return controller;
}
