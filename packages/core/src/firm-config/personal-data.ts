/**
 * The client's personal data in stored-event payloads (issue 22, docs/security.md). A payload
 * arrives in the firm's field names; the fields the firm maps to Lexamica's `client.*` paths
 * (`referral.client.email`, …) are personal. By default they are removed before an event becomes
 * job data, so neither the queues nor the CMS feed (which carries the event as its job had it) hold
 * them: the CMS reads the client's details from Lexamica's console or its own system. The firm YAML's
 * `privacy.copyPersonalData: true` keeps them. One handler needs them when the firm asks for it:
 * with `console.clientContact: true` the `invitation.sent` job keeps them (it records the client's
 * contact details with the case facts), and only that job; its decisions' feed items carry none.
 */
import { z } from 'zod';
import type { Logger } from '@lexbridge/infra/logger';
import type { MappingDeclaration } from '../mapping/index.js';

/** The `privacy` section of the firm YAML. */
export const privacyConfigSchema = z
  .strictObject(
    {
      /** Copy the client's personal fields into job data and feed items. Default false. */
      copyPersonalData: z.boolean().default(false),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? 'unknown key; privacy has copyPersonalData' : undefined) },
  )
  .default({ copyPersonalData: false });

export type PrivacyConfig = z.infer<typeof privacyConfigSchema>;

/** A Lexamica path that names the client or one of its fields. */
export const PERSONAL_LEXAMICA_PATH = /(^|\.)client(\.|\[\]|$)/;

/** What the intake does with a payload's personal fields. */
export interface PersonalDataPolicy {
  /** True when `privacy.copyPersonalData` is set: payloads are copied whole. */
  readonly copy: boolean;
  /** The firm's paths (as in the payload) treated as personal, e.g. `client.email`. */
  readonly paths: readonly string[];
  /** The jobs that keep them although `copy` is off (`invitation.sent` with `console.clientContact`). */
  readonly keptFor: readonly string[];
  /** The payload of a `job` without its personal fields (the same object when there is nothing to remove, `copy`, or a job in `keptFor`). */
  strip(payload: Record<string, unknown>, job?: string): Record<string, unknown>;
  /** One line for the start-up log: what is treated as personal and whether it is copied. */
  describe(): string;
}

/** The firm paths (external side) of every mapped field whose Lexamica path is personal. */
export function personalPaths(mappings: Record<string, MappingDeclaration | undefined>): string[] {
  const paths = new Set<string>();
  for (const m of Object.values(mappings)) for (const f of m?.fields ?? []) if (PERSONAL_LEXAMICA_PATH.test(f.lexamica)) paths.add(f.external);
  return [...paths].sort();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A copy of `value` without the leaf at `segments` (`x[]` walks every element of array `x`); `value` itself when absent. */
function without(value: unknown, segments: readonly string[]): unknown {
  if (!isRecord(value) || segments.length === 0) return value;
  const [head, ...rest] = segments as [string, ...string[]];
  const each = head.endsWith('[]');
  const key = each ? head.slice(0, -2) : head;
  if (!Object.hasOwn(value, key)) return value;
  if (rest.length === 0) {
    const { [key]: _gone, ...kept } = value;
    return kept;
  }
  const child = value[key];
  const next = each ? (Array.isArray(child) ? child.map((el) => without(el, rest)) : child) : without(child, rest);
  return next === child ? value : { ...value, [key]: next };
}

/** The job that records the case facts, with the client's contact details when `console.clientContact` is on. */
export const CONTACT_FACTS_JOB = 'invitation.sent';

export function personalDataPolicy(cfg: {
  mappings: Record<string, MappingDeclaration | undefined>;
  privacy?: PrivacyConfig | undefined;
  console?: { clientContact?: boolean | undefined } | undefined;
}): PersonalDataPolicy {
  const copy = cfg.privacy?.copyPersonalData ?? false;
  const keptFor = !copy && cfg.console?.clientContact === true ? [CONTACT_FACTS_JOB] : [];
  const paths = personalPaths(cfg.mappings);
  const split = paths.map((p) => p.split('.'));
  const listed = paths.join(', ') || 'none mapped';
  return {
    copy,
    paths,
    keptFor,
    strip: (payload, job) => (copy || (job !== undefined && keptFor.includes(job)) ? payload : (split.reduce<unknown>((p, segs) => without(p, segs), payload) as Record<string, unknown>)),
    describe: () =>
      copy
        ? `privacy.copyPersonalData is true: the client's personal fields (${listed}) are copied into job data and CMS feed items`
        : `the client's personal fields (${listed}: mapped to Lexamica's client.*) are removed from job data and CMS feed items` +
          (keptFor.length ? `, except in ${keptFor.join(', ')} jobs (console.clientContact keeps the contact details with the case facts)` : '') +
          '; set privacy.copyPersonalData: true to keep them everywhere',
  };
}

/**
 * The firm's policy, said at start by each service that handles job data: a warning, as it decides
 * what personal data leaves Lexbridge (job data, CMS feed items).
 */
export function announcePersonalData(cfg: Parameters<typeof personalDataPolicy>[0], logger: Pick<Logger, 'warn'>): PersonalDataPolicy {
  const policy = personalDataPolicy(cfg);
  logger.warn({ personalFields: policy.paths, copyPersonalData: policy.copy }, policy.describe());
  return policy;
}
