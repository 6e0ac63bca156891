/**
 * Misbehaviour as Lexamica might really do it, each a named option that end-to-end tests switch on
 * to say what they expect of Lexbridge when it happens. All off by default.
 *
 * - `bare-lists`: every list is answered as a bare array, whatever envelope the profile documents.
 * - `repeated-rows`: stored-events pages overlap by one row: each page after the first opens with
 *   the row the page before ended with (see `stored-event-pages.ts`).
 * - `shifting-pages`: while a reader pages (a stored-events request with `skip` > 0), an invitation
 *   whose event is stored `lateMs` after it was sent sorts before rows the reader has already paged,
 *   so every row from there moves one place down under `skip`. Once per query, at most `shifts`
 *   times in all (see `stored-event-pages.ts`).
 * - `ignored-actions`: invitation actions are answered 200 and not applied.
 * - `stale-read-back`: reading an invitation shows the status it had before the firm's last action.
 * - `slow-answers`: every API answer waits `slowMs` first (set it near the client's timeout).
 */
import { z } from 'zod';

export const MISBEHAVIOURS = ['bare-lists', 'repeated-rows', 'shifting-pages', 'ignored-actions', 'stale-read-back', 'slow-answers'] as const;
export type MisbehaviourName = (typeof MISBEHAVIOURS)[number];

export const misbehaviourSchema = z.strictObject({
  on: z.array(z.enum(MISBEHAVIOURS, { error: `must be one of ${MISBEHAVIOURS.join(', ')}` })).default([]),
  /** How long `slow-answers` holds each answer (default 1 000 ms). */
  slowMs: z.number().int().min(0).max(120_000).default(1_000),
  /**
   * How many late invitations `shifting-pages` stores in all, counted from when the settings were
   * last set (default 5). Bounded so that a reader re-reading its overlap window, which pages again
   * over the late rows, does not make Lexamica store more for ever.
   */
  shifts: z.number().int().min(0).max(10_000).default(5),
  /**
   * How late `shifting-pages` stores each one: its createdAt is this long before the request that
   * pages (default 1 000 ms). Keep it below Lexbridge's POLL_OVERLAP_MS: an event stored later than
   * the overlap window is the hourly reconciliation's to find, not the next poll's.
   */
  lateMs: z.number().int().min(1).max(86_400_000).default(1_000),
});
export type MisbehaviourConfig = z.infer<typeof misbehaviourSchema>;
export type MisbehaviourInput = z.input<typeof misbehaviourSchema>;

export interface Misbehaviour {
  readonly config: MisbehaviourConfig;
  has(name: MisbehaviourName): boolean;
  /** Replaces the settings; the parse result says what was wrong. */
  set(input: unknown): z.ZodSafeParseResult<MisbehaviourConfig>;
  /** How many times each has changed an answer. */
  readonly counts: Record<MisbehaviourName, number>;
  count(name: MisbehaviourName): void;
  /**
   * Takes one of `shifting-pages`' `shifts` for the query `key` (its range and filter, not its
   * `skip`): false once they are spent (until the settings are set again) or when this query has
   * had its one, so the shifts fall on several passes of a reader, not all on its first.
   */
  takeShift(key: string): boolean;
}

export function createMisbehaviour(initial: MisbehaviourInput = {}): Misbehaviour {
  let config = misbehaviourSchema.parse(initial);
  const counts = Object.fromEntries(MISBEHAVIOURS.map((m) => [m, 0])) as Record<MisbehaviourName, number>;
  let shiftsLeft = config.shifts;
  const shifted = new Set<string>();
  return {
    get config() {
      return config;
    },
    has: (name) => config.on.includes(name),
    set(input) {
      const r = misbehaviourSchema.safeParse(input ?? {});
      if (r.success) {
        config = r.data;
        shiftsLeft = config.shifts;
        shifted.clear();
      }
      return r;
    },
    counts,
    count: (name) => void (counts[name] += 1),
    takeShift(key) {
      if (shiftsLeft <= 0 || shifted.has(key)) return false;
      shiftsLeft -= 1;
      shifted.add(key);
      return true;
    },
  };
}
