/**
 * Lexamica's 90-day rule: every accepted case needs an update at least every `limitDays`. One
 * definition of its YAML section (`statusSync`) and of when a case is due, read by the processor
 * (which announces due cases) and by the console (which lists them).
 */
import { z } from 'zod';

const DAY_MS = 86_400_000;

/** The `statusSync` section of the firm YAML. */
export interface StatusSyncSettings {
  /** Announce `case.update-due` once a case's last update is this many days old. Default 80. */
  warnAfterDays: number;
  /** Lexamica's limit, in days. Default 90. */
  limitDays: number;
  /** How often the check runs, in minutes. Default 60. */
  checkEveryMinutes: number;
}

export const DEFAULT_STATUS_SYNC: StatusSyncSettings = { warnAfterDays: 80, limitDays: 90, checkEveryMinutes: 60 };

const days = z.number({ error: 'must be a number of days' }).positive('must be more than zero').max(3_650);

export const statusSyncConfigSchema = z
  .strictObject({
    warnAfterDays: days.default(DEFAULT_STATUS_SYNC.warnAfterDays),
    limitDays: days.default(DEFAULT_STATUS_SYNC.limitDays),
    checkEveryMinutes: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(1).max(7 * 24 * 60).default(DEFAULT_STATUS_SYNC.checkEveryMinutes),
  })
  .refine((s) => s.warnAfterDays < s.limitDays, { message: 'must be less than limitDays', path: ['warnAfterDays'] })
  .default(DEFAULT_STATUS_SYNC);

/** Cases whose last update is at or before this time (ms) are past the warning. */
export const warnBeforeMs = (nowMs: number, rule: Pick<StatusSyncSettings, 'warnAfterDays'>): number => nowMs - rule.warnAfterDays * DAY_MS;

/** When Lexamica's limit falls for a case last updated at `lastUpdateMs` (ms). */
export const dueAtMs = (lastUpdateMs: number, rule: Pick<StatusSyncSettings, 'limitDays'>): number => lastUpdateMs + rule.limitDays * DAY_MS;
