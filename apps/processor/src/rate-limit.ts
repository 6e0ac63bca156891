/** How long a Lexamica 429 pauses a queue: its Retry-After, bounded. */
import { errorKind } from '@lexbridge/infra/errors';
import { LexamicaHttpError } from '@lexbridge/lexamica-client';

/** Longest pause a Retry-After may impose on a queue (15 minutes); without one, 1 s. */
const MAX_PAUSE_MS = 15 * 60_000;
const DEFAULT_PAUSE_MS = 1_000;

/** How long to pause a queue for `err`: a Lexamica 429's Retry-After; undefined for anything else. */
export function rateLimitPauseMs(err: unknown): number | undefined {
  if (errorKind(err) !== 'rate-limited' || !(err instanceof LexamicaHttpError)) return undefined;
  return Math.min(Math.max(err.retryAfterMs ?? DEFAULT_PAUSE_MS, 1), MAX_PAUSE_MS);
}
