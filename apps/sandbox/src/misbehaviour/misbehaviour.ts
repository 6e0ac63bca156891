/**
 * Misbehaviour as Lexamica might really do it, each a named option that end-to-end tests switch on
 * to say what they expect of Lexbridge when it happens. All off by default.
 *
 * - `bare-lists`: every list is answered as a bare array, whatever envelope the profile documents.
 * - `repeated-rows`: each stored-events page after the first starts with the last row of the page before.
 * - `shifting-pages`: before each stored-events page after the first, an event is stored at the start
 *   of the range being read, so every row moves one place under `skip`.
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
}

export function createMisbehaviour(initial: MisbehaviourInput = {}): Misbehaviour {
  let config = misbehaviourSchema.parse(initial);
  const counts = Object.fromEntries(MISBEHAVIOURS.map((m) => [m, 0])) as Record<MisbehaviourName, number>;
  return {
    get config() {
      return config;
    },
    has: (name) => config.on.includes(name),
    set(input) {
      const r = misbehaviourSchema.safeParse(input ?? {});
      if (r.success) config = r.data;
      return r;
    },
    counts,
    count: (name) => void (counts[name] += 1),
  };
}
