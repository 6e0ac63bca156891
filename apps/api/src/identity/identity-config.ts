/**
 * The API's identities, from the firm's YAML (`api.identities`: names, roles and the SHA-256 of
 * each token, so the YAML holds no secret) and, for installations that have not moved yet, from
 * the deprecated `API_TOKENS` (each of its tokens an identity with every role, as before).
 */
import { retentionConfigSchema } from '@lexbridge/core/ledger';
import { z } from 'zod';
import { tokenSha256, type IdentityConfig } from './identity-directory.js';
import { ROLES, type Role } from './roles.js';
import type { ErrorKind } from '@lexbridge/infra/errors';

const sha256Hex = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be the SHA-256 of a token, 64 hex characters (printf %s "$TOKEN" | sha256sum)')
  .transform((s) => s.toLowerCase());

/** One entry of `api.identities`. */
const identityConfigSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1 to 64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit'),
  roles: z.array(z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` })).min(1, 'needs at least one role'),
  tokenSha256: z
    .array(sha256Hex)
    .min(1, 'needs the hash of at least one token')
    .max(2, 'at most two tokens: the current one and, while rotating, the one it replaces'),
  requestsPerMinute: z.number().int().min(1).max(1_000_000).optional(),
});

/** The `api` section of the firm's YAML. */
export const apiSectionSchema = z
  .strictObject({ identities: z.array(identityConfigSchema).min(1) })
  .superRefine((section, ctx) => {
    const names = new Map<string, number>();
    const hashes = new Map<string, string>();
    section.identities.forEach((identity, i) => {
      if (names.has(identity.name)) ctx.addIssue({ code: 'custom', path: ['identities', i, 'name'], message: `"${identity.name}" is declared twice` });
      names.set(identity.name, i);
      identity.tokenSha256.forEach((hash, j) => {
        const owner = hashes.get(hash);
        // One token for two identities would make the caller ambiguous.
        if (owner !== undefined) ctx.addIssue({ code: 'custom', path: ['identities', i, 'tokenSha256', j], message: `the same token is already ${owner}'s` });
        hashes.set(hash, identity.name);
      });
    });
  });

/** What the API reads of the firm's YAML: its own section; the other sections are the other services'. */
export const apiFirmConfigSchema = z.looseObject({ api: apiSectionSchema.optional(), retention: retentionConfigSchema });

/**
 * The tokens of lexbridge.example.yaml's identities (README and the demo print them). An identity
 * that accepts one of them in production accepts a token anybody can read.
 */
export const PUBLISHED_DEMO_TOKENS: Readonly<Record<string, string>> = {
  cms: 'demo-cms-token-0123456789abcdef',
  intake: 'demo-intake-token-0123456789abcdef',
  ops: 'demo-admin-token-0123456789abcdef',
};

const EVERY_ROLE: readonly Role[] = ROLES;

/** The identities the API accepts, and what to warn about at start. */
export interface ResolvedIdentities {
  identities: IdentityConfig[];
  warnings: string[];
}

/** Thrown when the API would accept no token at all, or one token would be two identities. */
export class IdentityConfigError extends Error {
  override readonly name = 'IdentityConfigError';
  /** For `errorKind` (@lexbridge/infra/errors). */
  get kind(): ErrorKind {
    return 'config';
  }
}

/**
 * Merges the YAML's identities with the deprecated `API_TOKENS` (each becomes `api-token-<first 8
 * hex of its SHA-256>` with every role). Throws {@link IdentityConfigError} when there is none.
 */
export function resolveIdentities(section: z.infer<typeof apiSectionSchema> | undefined, legacyTokens: readonly string[] = []): ResolvedIdentities {
  const identities: IdentityConfig[] = (section?.identities ?? []).map((i) => ({ ...i }));
  const warnings: string[] = [];
  const owner = new Map(identities.flatMap((i) => i.tokenSha256.map((h) => [h, i.name] as const)));
  for (const token of legacyTokens) {
    const hash = tokenSha256(token);
    const already = owner.get(hash);
    if (already !== undefined) {
      throw new IdentityConfigError(`API_TOKENS holds a token that api.identities already gives to "${already}"; remove it from API_TOKENS`);
    }
    const name = `api-token-${hash.slice(0, 8)}`;
    identities.push({ name, roles: EVERY_ROLE, tokenSha256: [hash] });
    owner.set(hash, name);
  }
  if (legacyTokens.length > 0) {
    warnings.push(
      `API_TOKENS is deprecated: each of its ${legacyTokens.length} token(s) has every role (${EVERY_ROLE.join(', ')}). ` +
        'Declare named identities with roles under api.identities in LEXBRIDGE_CONFIG, then remove API_TOKENS (docs/security.md).',
    );
  }
  const demo = new Set(Object.values(PUBLISHED_DEMO_TOKENS).map(tokenSha256));
  for (const identity of identities) {
    if (identity.tokenSha256.some((h) => demo.has(h))) {
      warnings.push(`identity "${identity.name}" accepts a demo token published in lexbridge.example.yaml: give it a token of its own before production`);
    }
  }
  if (identities.length === 0) {
    throw new IdentityConfigError('no API identity is configured: declare api.identities in LEXBRIDGE_CONFIG (or, deprecated, set API_TOKENS)');
  }
  return { identities, warnings };
}
