/** Small time helpers the routes share. */

/** An epoch-milliseconds time (as BullMQ keeps them) as ISO 8601; undefined when unset. */
export function isoFromMs(ms: number | undefined): string | undefined {
  return ms ? new Date(ms).toISOString() : undefined;
}
