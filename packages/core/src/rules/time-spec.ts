/**
 * Durations (`30m`, `2h`, `7d`) and points in time (an ISO date or date-time, or a time relative
 * to now: `now`, `+48h`, `-365d`) as the rules YAML writes them.
 */
import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(\d+)(ms|s|m|h|d|w)$/;
const RELATIVE = /^([+-])(\d+)(ms|s|m|h|d|w)$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const HAS_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/** Units a duration may use: ms, s, m (minutes), h, d, w. */
export const DURATION_HINT = "a duration such as '30m', '2h' or '7d'";
/** How a point in time may be written. */
const TIME_POINT_HINT = "an ISO date or date-time (2026-01-31, 2026-01-31T09:00:00Z) or a time relative to now ('now', '+48h', '-365d', '+30m')";

/** `'2h'` → 7 200 000; undefined when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined;
}

/**
 * Epoch milliseconds of an ISO date or date-time; NaN for anything else. A date-time without an
 * offset is read as UTC, so a decision never depends on the server's time zone.
 */
export function isoToEpoch(value: string): number {
  if (!ISO_DATE.test(value) && !ISO_DATE_TIME.test(value)) return Number.NaN;
  const day = value.slice(0, 10);
  // Date.parse rolls 2026-02-30 over into March; a date that is not on the calendar is unreadable.
  const midnight = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(midnight) || new Date(midnight).toISOString().slice(0, 10) !== day) return Number.NaN;
  if (value.length === 10) return midnight;
  return Date.parse(HAS_OFFSET.test(value) ? value : `${value}Z`);
}

/** Epoch milliseconds of a point in time (see {@link TIME_POINT_HINT}) relative to `now`; NaN if unreadable. */
export function resolveTimePoint(spec: string, now: Date): number {
  if (spec === 'now') return now.getTime();
  const m = RELATIVE.exec(spec);
  if (m) return now.getTime() + (m[1] === '-' ? -1 : 1) * Number(m[2]) * UNIT_MS[m[3] as keyof typeof UNIT_MS];
  return isoToEpoch(spec);
}

/** A point in time in the YAML, checked once at load so evaluation never meets a bad one. */
export const timePointSchema = z
  .string({ error: `must be ${TIME_POINT_HINT}` })
  .refine((s) => !Number.isNaN(resolveTimePoint(s, new Date(0))), { error: `must be ${TIME_POINT_HINT}` });

/** A positive duration in the YAML: `'2h'`, or a number of milliseconds. Output: milliseconds. */
export const durationMsSchema = z
  .union([z.number(), z.string()], { error: `must be ${DURATION_HINT}` })
  .transform((v, ctx) => {
    const ms = typeof v === 'number' ? v : parseDuration(v);
    if (ms === undefined || !Number.isFinite(ms) || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `must be ${DURATION_HINT} (more than zero)` });
      return z.NEVER;
    }
    return ms;
  });
