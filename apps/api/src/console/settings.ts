/**
 * What the console needs from the firm's YAML: the rules (shadow mode, capacity limits, the expiry
 * guard's plans, and the evaluator's configuration for what-if), the `console` section, the
 * watchdog's deadlines and the 90-day rule. The processor owns and checks these sections strictly;
 * the API reads them to show them, with the same defaults.
 */
import { z } from 'zod';
import { consoleConfigSchema, DEFAULT_CONSOLE_CONFIG, type ConsoleConfig } from '@lexbridge/core/firm-config';
import { DEFAULT_STATUS_SYNC, DEFAULT_WATCHDOG, statusSyncConfigSchema, watchdogConfigSchema, type StatusSyncSettings, type WatchdogPolicy } from '@lexbridge/core/ledger';
import { parseRulesConfig, rulesConfigSchema, type RulesConfig } from '@lexbridge/core/rules';

/** The 90-day rule, as the console shows it (the processor's `statusSync`). */
export type UpdateRule = Pick<StatusSyncSettings, 'warnAfterDays' | 'limitDays'>;

/** The firm's settings the console shows and uses. */
export interface ConsoleSettings {
  rules: RulesConfig;
  console: ConsoleConfig;
  watchdog: WatchdogPolicy;
  updateRule: UpdateRule;
}

export const DEFAULT_CONSOLE_SETTINGS: ConsoleSettings = {
  rules: parseRulesConfig({}),
  console: DEFAULT_CONSOLE_CONFIG,
  watchdog: DEFAULT_WATCHDOG,
  updateRule: { warnAfterDays: DEFAULT_STATUS_SYNC.warnAfterDays, limitDays: DEFAULT_STATUS_SYNC.limitDays },
};

/** The sections of the firm YAML the API reads for the console (added to the API's own schema). */
export const consoleFirmShape = {
  ...rulesConfigSchema.shape,
  console: consoleConfigSchema.optional(),
  watchdog: watchdogConfigSchema,
  statusSync: statusSyncConfigSchema,
};

type ConsoleFirmSections = z.infer<z.ZodObject<typeof consoleFirmShape>>;

/** The settings from the parsed sections. */
export function consoleSettingsOf(firm: ConsoleFirmSections): ConsoleSettings {
  const { shadow, default: fallback, rules, capacity, expiryGuard } = firm;
  return {
    rules: { shadow, default: fallback, rules, capacity, expiryGuard },
    console: firm.console ?? DEFAULT_CONSOLE_CONFIG,
    watchdog: firm.watchdog,
    updateRule: { warnAfterDays: firm.statusSync.warnAfterDays, limitDays: firm.statusSync.limitDays },
  };
}
