/** What the originator side does: how often it sends invitations, of what mix, and what else happens. */
import { z } from 'zod';

const HOUR = 3_600_000;
const rate = z.number().min(0).max(1);

/**
 * Lexamica's case types, spelled exactly as its API takes them (lexamica-api.md §1), with "Other"
 * for a case that fits none, in a plausible referral mix (injury work dominates).
 */
const DEFAULT_CASE_TYPES: Record<string, number> = {
  'Motor Vehicle Accident': 30,
  'Personal Injury': 12,
  'Dog Bite Injuries': 4,
  'Workplace Injuries': 5,
  "Workers' Compensation": 8,
  'Pedestrian Injuries': 4,
  'Commercial Property Injuries': 4,
  'Construction Accidents': 3,
  'Medical Malpractice': 7,
  'Product Liability': 4,
  'Nursing Home Injuries': 3,
  'Family Law': 4,
  'Social Injustice': 1,
  'Criminal Law': 3,
  Bankruptcy: 2,
  'Landlord-Tenant Disputes': 2,
  'Wills and Trusts': 2,
  'Civil Litigation': 3,
  Other: 2,
};

const DEFAULT_STATES = ['CA', 'TX', 'FL', 'NY', 'IL', 'PA', 'GA', 'OH', 'NC', 'MI', 'AZ', 'WA'];

export const scenarioOptionsSchema = z.object({
  /** Invitations sent per second while the scenario runs (default 0.2). */
  rate: z.number().min(0).max(1000).default(0.2),
  /** Case-type weights (default {@link DEFAULT_CASE_TYPES}). */
  caseTypes: z.record(z.string().min(1), z.number().min(0)).refine((w) => Object.values(w).some((v) => v > 0), 'needs a positive weight').default(DEFAULT_CASE_TYPES),
  /** US state codes incidents happen in, picked uniformly (default {@link DEFAULT_STATES}). */
  states: z.array(z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter state code')).min(1).default(DEFAULT_STATES),
  /** Estimated case value range in USD (default 5,000–500,000, log-uniform). */
  value: z.object({ min: z.number().min(1), max: z.number().min(1) }).refine((v) => v.min <= v.max, 'min must not exceed max').default({ min: 5_000, max: 500_000 }),
  /** Time from sending to expiry, ms (default 24–48 h). Tests use seconds. */
  expiryMs: z.object({ min: z.number().int().min(1), max: z.number().int().min(1) }).refine((v) => v.min <= v.max, 'min must not exceed max').default({ min: 24 * HOUR, max: 48 * HOUR }),
  /** Per tick, the chance the originator cancels one open invitation (default 0.02). */
  cancelRate: rate.default(0.02),
  /** Per tick, the chance the originator posts `Case Update Made` on one accepted case (default 0.1). */
  updateRate: rate.default(0.1),
  /** Per tick, the chance one accepted case is closed (default 0.01). */
  closeRate: rate.default(0.01),
  /** Per tick, the chance the originator changes the stage of one accepted case (default 0.05). */
  stageRate: rate.default(0.05),
  /** Per tick, the chance the originator edits one accepted case (`Case Edited`, `Case Fields Updated`; default 0.03). */
  editRate: rate.default(0.03),
  /** Per tick, the chance one accepted case settles (default 0.01). */
  settleRate: rate.default(0.01),
  /** Per tick, the chance the relay engine stops for one open invitation (default 0.01). */
  relayStopRate: rate.default(0.01),
  /** Per tick, the chance Lexamica flags missing information on one open invitation (default 0.02). */
  missingInfoRate: rate.default(0.02),
  /** Per tick, the chance the originator deletes the case of one open invitation (default 0.005). */
  deleteRate: rate.default(0.005),
  /** Per tick, the chance of sending `size` invitations with one createdAt instead of one (default off). */
  sameTimestampBurst: z.object({ rate: rate.default(0), size: z.number().int().min(2).max(1000).default(5) }).prefault({}),
});

/** Scenario settings with defaults filled in. */
export type ScenarioOptions = z.infer<typeof scenarioOptionsSchema>;
/** What callers pass: any subset. */
export type ScenarioOptionsInput = z.input<typeof scenarioOptionsSchema>;

/** Named scenarios for the command line (`--scenario demo`). `idle` sends nothing until started. */
export const SCENARIO_PRESETS: Record<string, { autoStart: boolean; options: ScenarioOptionsInput }> = {
  idle: { autoStart: false, options: {} },
  demo: { autoStart: true, options: { rate: 0.2, expiryMs: { min: 5 * 60_000, max: 30 * 60_000 }, cancelRate: 0.03, updateRate: 0.1, closeRate: 0.02 } },
  busy: { autoStart: true, options: { rate: 20, cancelRate: 0.05, updateRate: 0.2, closeRate: 0.05, sameTimestampBurst: { rate: 0.05, size: 10 } } },
};
