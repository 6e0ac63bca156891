/**
 * How long Lexbridge keeps what it stores about an invitation once nothing more will happen to it
 * (docs/security.md, "What is kept where and for how long"). The firm YAML's `retention` section,
 * overridden by the `RETENTION_*_DAYS` environment variables.
 */
import { z } from 'zod';
import { durationMsSchema } from '../rules/time-spec.js';

const DAY = 86_400_000;

export interface RetentionPolicy {
  /** Ledger records and case links, after the record's final state (done, expired, closed, conflict). Default 180 days. */
  recordsMs: number;
  /** CMS feed items, after they were appended. Default 30 days. */
  feedMs: number;
  /** Completed and failed jobs (and the data they carry), after they finished. Default 30 days. */
  jobsMs: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { recordsMs: 180 * DAY, feedMs: 30 * DAY, jobsMs: 30 * DAY };

const KEYS = ['records', 'feed', 'jobs'] as const;

/** The `retention` section of the firm YAML: durations such as `180d`; the section and every key optional. */
export const retentionConfigSchema = z
  .strictObject(
    { records: durationMsSchema.optional(), feed: durationMsSchema.optional(), jobs: durationMsSchema.optional() },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown key; retention has ${KEYS.join(', ')}` : undefined) },
  )
  .optional();

export type RetentionConfig = z.infer<typeof retentionConfigSchema>;

/** The `RETENTION_*_DAYS` variables as parsed (each optional, whole days). */
export interface RetentionEnv {
  RETENTION_RECORDS_DAYS?: number | undefined;
  RETENTION_FEED_DAYS?: number | undefined;
  RETENTION_JOBS_DAYS?: number | undefined;
}

/** The policy: a `RETENTION_*_DAYS` variable wins over the YAML, which wins over the default. */
export function retentionPolicy(yaml: RetentionConfig | undefined, env: RetentionEnv = {}): RetentionPolicy {
  const pick = (days: number | undefined, fromYaml: number | undefined, def: number) => (days !== undefined ? days * DAY : (fromYaml ?? def));
  return {
    recordsMs: pick(env.RETENTION_RECORDS_DAYS, yaml?.records, DEFAULT_RETENTION.recordsMs),
    feedMs: pick(env.RETENTION_FEED_DAYS, yaml?.feed, DEFAULT_RETENTION.feedMs),
    jobsMs: pick(env.RETENTION_JOBS_DAYS, yaml?.jobs, DEFAULT_RETENTION.jobsMs),
  };
}
