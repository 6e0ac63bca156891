/**
 * Console sessions: a person signs in with their identity's token once and the browser holds an
 * opaque session id in an HttpOnly, SameSite=Strict cookie instead of the token. Each session has
 * its own CSRF token, which every unsafe request must echo in `x-csrf-token`. Redis keeps the
 * session under the SHA-256 of its id (a leaked key listing does not leak a usable cookie), with
 * a TTL: signing out deletes it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Keyspace, RedisClient } from '@lexbridge/infra/redis';

/** The cookie that carries the session id. */
export const SESSION_COOKIE = 'lexbridge_console';
/** The header that carries the CSRF token on unsafe methods. */
export const CSRF_HEADER = 'x-csrf-token';

/** A signed-in person. */
export interface ConsoleSession {
  /** The identity (`api.identities[].name`) that signed in. */
  name: string;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

export interface SessionStore {
  /** A new session for `name`; `id` goes in the cookie and nowhere else. */
  create(name: string): Promise<{ id: string; session: ConsoleSession }>;
  get(id: string): Promise<ConsoleSession | undefined>;
  delete(id: string): Promise<void>;
  readonly ttlSec: number;
}

const digest = (id: string) => createHash('sha256').update(id, 'utf8').digest('hex');

/** True when `presented` is the session's CSRF token (constant time). */
export function csrfMatches(session: ConsoleSession, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(session.csrfToken);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createSessionStore(redis: RedisClient, keyspace: Keyspace, opts: { ttlSec: number; now?: () => Date }): SessionStore {
  const now = opts.now ?? (() => new Date());
  const key = (id: string) => keyspace.key('console', 'session', digest(id));
  return {
    ttlSec: opts.ttlSec,
    async create(name) {
      const id = randomBytes(32).toString('base64url');
      const at = now();
      const session: ConsoleSession = {
        name,
        csrfToken: randomBytes(32).toString('base64url'),
        createdAt: at.toISOString(),
        expiresAt: new Date(at.getTime() + opts.ttlSec * 1000).toISOString(),
      };
      await redis.set(key(id), JSON.stringify(session), 'EX', opts.ttlSec);
      return { id, session };
    },
    async get(id) {
      // Anything that is not one of our ids is not looked up at all.
      if (!/^[\w-]{43}$/.test(id)) return undefined;
      const json = await redis.get(key(id));
      return json === null ? undefined : (JSON.parse(json) as ConsoleSession);
    },
    async delete(id) {
      await redis.del(key(id));
    },
  };
}
