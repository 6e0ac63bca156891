/**
 * The firm's YAML (`LEXBRIDGE_CONFIG`): mappings as declared on Lexamica, the stored-event
 * subscriptions, and overrides of the API profile. Other sections (rules, CMS delivery) are added
 * by the parts that own them. Parsed once at start; errors name the YAML path.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { retentionConfigSchema } from '../ledger/retention.js';
import { mappingDeclarationSchema } from '../mapping/index.js';
import { PERSONAL_LEXAMICA_PATH, privacyConfigSchema } from './personal-data.js';
import { consoleConfigSchema } from './console.js';

export { consoleConfigSchema, DEFAULT_CONSOLE_CONFIG, DEFAULT_DECLINE_REASONS, type ConsoleConfig } from './console.js';
export * from './personal-data.js';
import type { ErrorKind } from '@lexbridge/infra/errors';

/** The mapping roles Lexbridge uses; each names one mapping declared on Lexamica. */
export const MAPPING_ROLES = ['invitation', 'caseUpdate', 'case', 'attachment'] as const;
export type MappingRole = (typeof MAPPING_ROLES)[number];

const ROLE_MODEL = { invitation: 'CaseInvitation', caseUpdate: 'CaseUpdate', case: 'Case', attachment: 'Attachment' } as const;

export const subscriptionDeclarationSchema = z.object({
  /** Exact Lexamica event name, e.g. `Case Invitation Sent`. */
  event: z.string().min(1),
  /** The mapping role whose Lexamica mapping id the subscription uses. */
  mapping: z.enum(MAPPING_ROLES),
  description: z.string().optional(),
  active: z.boolean().default(true),
});

/**
 * Webhooks from Lexamica (`webhooks:`): when `url` is set, `lexbridge setup` subscribes it to the
 * same events as the stored-event subscriptions, the receiver (`apps/receiver`) takes the pushes,
 * and the poller reconciles at `pollIntervalMs`. The signing secret comes from the environment
 * (`LEXAMICA_WEBHOOK_SECRET`), never from this file.
 */
export const webhooksDeclarationSchema = z.strictObject({
  /** The public URL Lexamica pushes to (the reverse proxy in front of the receiver); its path is the receiver's route. */
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  /** The receiver's listening port (default 3100); its host is RECEIVER_HOST. */
  port: z.number().int().min(0).max(65_535).default(3100),
  /** The poller's interval while webhooks are on: polling reconciles (default 900 000 ms, 15 minutes). */
  pollIntervalMs: z.number().int().min(50).max(86_400_000).default(900_000),
  /** Largest delivery the receiver reads (default 262 144 bytes); a larger one gets 413. */
  maxBodyBytes: z.number().int().min(1_024).max(10_485_760).default(262_144),
});

export type WebhooksDeclaration = z.infer<typeof webhooksDeclarationSchema>;

/** The base sections of the firm YAML; apps add their own sections with {@link extendFirmConfig}. */
export const firmConfigShape = {
  mappings: z
    .object({
      invitation: mappingDeclarationSchema,
      caseUpdate: mappingDeclarationSchema,
      case: mappingDeclarationSchema.optional(),
      attachment: mappingDeclarationSchema.optional(),
    })
    .strict(),
  subscriptions: z.array(subscriptionDeclarationSchema).min(1),
  /** Partial API profile: validated by the Lexamica client, which owns the profile's shape. */
  profile: z.record(z.string(), z.unknown()).optional(),
  /** The API's identities: validated by the API, which owns the section's shape. */
  api: z.record(z.string(), z.unknown()).optional(),
  /** How long records, case links, feed items and jobs are kept (docs/security.md); `RETENTION_*_DAYS` win. */
  retention: retentionConfigSchema,
  /** The intake console: decline reasons, and whether case facts keep the client's contact details. */
  console: consoleConfigSchema.optional(),
  /** Webhooks from Lexamica, beside polling (absent: polling only). */
  webhooks: webhooksDeclarationSchema.optional(),
  /** Whether the client's personal data is copied into job data and the feed (default: not). */
  privacy: privacyConfigSchema,
};

type BaseFirmConfig = z.infer<z.ZodObject<typeof firmConfigShape>>;

/** Checks across sections: each mapping has its role's model; one subscription per event; mappings exist. */
function checkFirmConfig(cfg: BaseFirmConfig, ctx: z.RefinementCtx): void {
  for (const role of MAPPING_ROLES) {
    const m = cfg.mappings[role];
    if (m && m.model !== ROLE_MODEL[role]) {
      ctx.addIssue({ code: 'custom', path: ['mappings', role, 'model'], message: `must be "${ROLE_MODEL[role]}" for the ${role} mapping` });
    }
  }
  const seen = new Set<string>();
  cfg.subscriptions.forEach((s, i) => {
    if (seen.has(s.event)) ctx.addIssue({ code: 'custom', path: ['subscriptions', i, 'event'], message: `"${s.event}" is subscribed twice (one subscription per event type)` });
    seen.add(s.event);
    if (!cfg.mappings[s.mapping]) ctx.addIssue({ code: 'custom', path: ['subscriptions', i, 'mapping'], message: `mapping "${s.mapping}" is not declared under mappings` });
  });
}

/**
 * The firm YAML schema with more top-level sections (rules, queues, …). Unknown top-level keys are
 * errors, so a typo (`rule:` for `rules:`) is reported instead of silently ignored.
 */
export function extendFirmConfig<S extends z.ZodRawShape>(extra: S) {
  return z.strictObject({ ...firmConfigShape, ...extra }).superRefine((cfg, ctx) => checkFirmConfig(cfg as BaseFirmConfig, ctx));
}

/** The base firm YAML schema (mappings, subscriptions, profile); other sections pass through. */
export const firmConfigSchema = z.looseObject(firmConfigShape).superRefine(checkFirmConfig);

export type FirmConfig = z.infer<typeof firmConfigSchema>;

/**
 * The firm's own names for a client's personal fields (whatever it maps to Lexamica's
 * `client.*` paths), for the logger's and the client's redaction: a firm field called
 * `claimant_nm` is as personal as `client.firstName`.
 */
export function personalFieldNames(cfg: Pick<FirmConfig, 'mappings'>): string[] {
  const names = new Set<string>();
  for (const mapping of Object.values(cfg.mappings)) {
    for (const f of mapping?.fields ?? []) {
      if (PERSONAL_LEXAMICA_PATH.test(f.lexamica)) names.add(f.external.split('.').pop()!.replace('[]', ''));
    }
  }
  return [...names];
}

/** A firm YAML that could not be read or is wrong; `problems` point at YAML paths. */
export class FirmConfigError extends Error {
  override readonly name = 'FirmConfigError';
  /** For `errorKind` (@lexbridge/infra/errors). */
  get kind(): ErrorKind {
    return 'config';
  }
  constructor(readonly file: string, readonly problems: ReadonlyArray<{ path: string; message: string }>) {
    super(`Invalid firm configuration in ${file}:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
  }
}

/** Parses YAML text with `schema` (the base schema, or an app's extension of it). */
export function parseFirmConfig<S extends z.ZodType>(text: string, file: string, schema: S): z.infer<S> {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? `line ${err.linePos[0].line}` : '(file)';
    throw new FirmConfigError(file, [{ path: where, message: (err as Error).message.split('\n')[0] ?? 'not valid YAML' }]);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new FirmConfigError(
      file,
      result.error.issues.map((i) => ({ path: i.path.length ? i.path.join('.') : '(root)', message: i.message })),
    );
  }
  return result.data;
}

/** Reads and parses the firm's YAML file. */
export function loadFirmConfig<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FirmConfigError(file, [{ path: '(file)', message: `cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'}); set LEXBRIDGE_CONFIG to the firm's YAML` }]);
  }
  return parseFirmConfig(text, file, schema);
}
