/**
 * Fault settings: each kind fires with a probability per request (HTTP faults) or per stored
 * event (event faults). All default to off.
 */
import { z } from 'zod';

const rate = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const ms = z.number().int().min(0);

export const faultConfigSchema = z.object({
  /** Answer a profile request with a server error. */
  serverError: z.object({ rate: rate.default(0), status: z.number().int().min(500).max(599).default(503) }).prefault({}),
  /** Answer a profile request with 429 and `Retry-After: retryAfterSec`. */
  rateLimit: z.object({ rate: rate.default(0), retryAfterSec: z.number().int().min(0).max(3600).default(1) }).prefault({}),
  /** Delay a profile request by a uniform time in [minMs, maxMs]. */
  latency: z.object({ rate: rate.default(0), minMs: ms.max(60_000).default(50), maxMs: ms.max(60_000).default(500) })
    .refine((l) => l.minMs <= l.maxMs, { message: 'minMs must not exceed maxMs', path: ['minMs'] })
    .prefault({}),
  /** Destroy the socket of a profile request without answering. */
  reset: z.object({ rate: rate.default(0) }).prefault({}),
  /** Store an event twice under the same `_id`. */
  duplicateEvent: z.object({ rate: rate.default(0) }).prefault({}),
  /** Store an event with a createdAt up to `windowMs` before now. */
  lateEvent: z.object({ rate: rate.default(0), windowMs: ms.min(1).default(60_000) }).prefault({}),
  /** Pin the timestamp: this event and the next `count - 1` share one createdAt. */
  sameTimestamp: z.object({ rate: rate.default(0), count: z.number().int().min(2).max(10_000).default(10) }).prefault({}),
});

/** Every fault setting, with defaults filled in. */
export type FaultConfig = z.infer<typeof faultConfigSchema>;
/** What callers pass: any subset, nested fields included. */
export type FaultConfigInput = z.input<typeof faultConfigSchema>;

export const FAULT_KINDS = ['5xx', '429', 'latency', 'reset', 'duplicate', 'late', 'sameTimestamp'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** `current` with `patch` applied section by section (unmentioned fields keep their value). */
export function mergeFaults(current: FaultConfig, patch: unknown): z.ZodSafeParseResult<FaultConfig> {
  const patchSchema = z.object(
    Object.fromEntries(Object.keys(faultConfigSchema.shape).map((k) => [k, z.record(z.string(), z.unknown()).optional()])),
  ).strict();
  const shallow = patchSchema.safeParse(patch ?? {});
  if (!shallow.success) return shallow as z.ZodSafeParseResult<never>;
  const merged: Record<string, unknown> = {};
  for (const [key, section] of Object.entries(current)) merged[key] = { ...section, ...(shallow.data[key] ?? {}) };
  return faultConfigSchema.safeParse(merged);
}
