/**
 * Who presented a token: the one lookup every authenticated entry point uses (the bearer check
 * today; a session login can use it too). Tokens are never kept, only their SHA-256; a presented
 * token is hashed and compared with every stored digest in constant time, without stopping at a
 * match, so the time taken says nothing about which identity (or whether any) matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Role } from './roles.js';

/** An identity as configured: a name, its roles, the SHA-256 of each token it may present. */
export interface IdentityConfig {
  /** Recorded in logs, the ledger and the feed: `cms`, `jane.doe`, `ops`. */
  name: string;
  roles: readonly Role[];
  /** Lower-case hex SHA-256 of each valid token: one, or two while rotating. */
  tokenSha256: readonly string[];
  /** Requests per minute this identity may send; the API's default when absent. */
  requestsPerMinute?: number;
}

/** An authenticated caller. */
export interface Identity {
  name: string;
  roles: readonly Role[];
  requestsPerMinute?: number;
}

export interface IdentityDirectory {
  /** The identity whose token this is, or undefined. Constant time in the token and the match. */
  byToken(token: string): Identity | undefined;
  /** The identity with this name (a console session names its identity), or undefined. */
  byName(name: string): Identity | undefined;
  /** Every configured identity (no token digests). */
  readonly identities: readonly Identity[];
}

/** Lower-case hex SHA-256 of `token`, as `tokenSha256` holds it. */
export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function createIdentityDirectory(configs: readonly IdentityConfig[]): IdentityDirectory {
  if (configs.length === 0) throw new Error('at least one identity is required');
  const identities: Identity[] = configs.map((c) => ({ name: c.name, roles: [...c.roles], ...(c.requestsPerMinute !== undefined && { requestsPerMinute: c.requestsPerMinute }) }));
  const digests = configs.flatMap((c, i) => c.tokenSha256.map((hex) => ({ digest: Buffer.from(hex, 'hex'), identity: identities[i]! })));
  const named = new Map(identities.map((i) => [i.name, i]));
  return {
    identities,
    byName: (name) => named.get(name),
    byToken(token) {
      const candidate = createHash('sha256').update(token, 'utf8').digest();
      let match: Identity | undefined;
      for (const d of digests) if (timingSafeEqual(d.digest, candidate)) match = d.identity;
      return match;
    },
  };
}
