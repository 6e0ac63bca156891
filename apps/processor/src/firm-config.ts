/**
 * The processor's view of the firm YAML: the base sections (mappings, subscriptions, profile), the
 * rules sections (`shadow`, `default`, `rules`, `capacity`, `expiryGuard`), `queues` (worker
 * concurrency and an optional rate limit per queue), `statusSync` (the 90-day update rule) and
 * `watchdog` (how long an invitation may stay in each state before it is reported stuck).
 */
import { z } from 'zod';
import { extendFirmConfig, loadFirmConfig, PERSONAL_LEXAMICA_PATH } from '@lexbridge/core/firm-config';
import { statusSyncConfigSchema, watchdogConfigSchema } from '@lexbridge/core/ledger';
export { DEFAULT_STATUS_SYNC, type StatusSyncSettings } from '@lexbridge/core/ledger';
import { fieldConditions, rulesConfigSchema, type RulesConfig } from '@lexbridge/core/rules';

/** The queues the processor works. */
export const PROCESSOR_QUEUES = ['invitations', 'invitation-actions', 'expiry-guard', 'inbound', 'outbound', 'cms-webhook', 'maintenance'] as const;
export type ProcessorQueue = (typeof PROCESSOR_QUEUES)[number];

/** Worker settings of one queue. */
export interface QueueSettings {
  /** Jobs one processor runs at once on this queue. */
  concurrency: number;
  /** At most `max` jobs per `durationMs` across every processor (BullMQ's limiter is global). */
  limiter?: { max: number; durationMs: number };
}

/**
 * Defaults: invitations 50, invitation-actions 10, expiry-guard 2, inbound 10, outbound 5,
 * cms-webhook 5, maintenance 1; no limiter. `invitations` sends the rules' actions itself, so each
 * job waits a Lexamica round trip: one processor answers at most concurrency / RTT per second.
 */
export const DEFAULT_QUEUE_SETTINGS: Record<ProcessorQueue, QueueSettings> = {
  invitations: { concurrency: 50 },
  'invitation-actions': { concurrency: 10 },
  'expiry-guard': { concurrency: 2 },
  inbound: { concurrency: 10 },
  outbound: { concurrency: 5 },
  'cms-webhook': { concurrency: 5 },
  maintenance: { concurrency: 1 },
};

const queueSettingsSchema = (def: QueueSettings) =>
  z
    .strictObject({
      concurrency: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(1).max(500).default(def.concurrency),
      limiter: z
        .strictObject({
          max: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(1),
          durationMs: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(1),
        })
        .optional(),
    })
    .default({ concurrency: def.concurrency });

const queuesConfigSchema = z
  .strictObject({
    invitations: queueSettingsSchema(DEFAULT_QUEUE_SETTINGS.invitations),
    'invitation-actions': queueSettingsSchema(DEFAULT_QUEUE_SETTINGS['invitation-actions']),
    'expiry-guard': queueSettingsSchema(DEFAULT_QUEUE_SETTINGS['expiry-guard']),
    inbound: queueSettingsSchema(DEFAULT_QUEUE_SETTINGS.inbound),
    outbound: queueSettingsSchema(DEFAULT_QUEUE_SETTINGS.outbound),
    'cms-webhook': queueSettingsSchema(DEFAULT_QUEUE_SETTINGS['cms-webhook']),
    maintenance: queueSettingsSchema(DEFAULT_QUEUE_SETTINGS.maintenance),
  })
  .default(DEFAULT_QUEUE_SETTINGS);

/**
 * A rule cannot read the client's personal data unless it is copied into job data: with
 * `privacy.copyPersonalData` off the field is never there, and the condition would silently never
 * hold (or always, under `not`). Reported as a configuration error naming both ways out.
 */
export const processorFirmConfigSchema = extendFirmConfig({ ...rulesConfigSchema.shape, queues: queuesConfigSchema, statusSync: statusSyncConfigSchema, watchdog: watchdogConfigSchema }).superRefine(
  (cfg, ctx) => {
    // The rules run in the invitation.sent job, which keeps them with console.clientContact.
    if (cfg.privacy.copyPersonalData || cfg.console?.clientContact) return;
    for (const { path, condition } of fieldConditions(cfg.rules)) {
      if (!PERSONAL_LEXAMICA_PATH.test(condition.field)) continue;
      ctx.addIssue({
        code: 'custom',
        path: [...path.split('.'), 'field'],
        message: `"${condition.field}" is the client's personal data, which job data does not carry while privacy.copyPersonalData and console.clientContact are false: set one of them to true, or decide without it`,
      });
    }
  },
);

export type ProcessorFirmConfig = z.infer<typeof processorFirmConfigSchema>;

/** The rules sections of a parsed config. */
export function rulesOf(cfg: ProcessorFirmConfig): RulesConfig {
  return { shadow: cfg.shadow, default: cfg.default, rules: cfg.rules, capacity: cfg.capacity, expiryGuard: cfg.expiryGuard };
}

/** Reads and validates the firm YAML; throws `FirmConfigError` naming each wrong YAML path. */
export function loadProcessorFirmConfig(file: string): ProcessorFirmConfig {
  return loadFirmConfig(file, processorFirmConfigSchema);
}
