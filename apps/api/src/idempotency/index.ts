/**
 * Idempotency records for requests from the CMS: an `Idempotency-Key` remembers the hash of the
 * request that first used it and the response it got, so a retry of the same request gets the
 * same answer and a different request reusing the key is refused.
 *
 * One Redis hash per key under `<prefix>:idem:<key>`: `h` request hash, `s` state (`p` pending,
 * `d` done), `st` status, `b` response body (JSON), `t` creation time. Every transition is one Lua
 * script (`commands/*IdempotentRequest-1.lua`), so two concurrent requests with one key can never both start.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { apiScripts } from '../commands/index.js';
import type { Keyspace } from '@lexbridge/infra/redis';

/** Options for {@link createIdempotencyStore}. */
export interface IdempotencyStoreOptions {
  /** How long a completed record (and so the key) is kept, in seconds. Default 86 400 (24 h). */
  ttlSec?: number;
  /**
   * How long a started request holds its key before a retry may take over, in milliseconds: the
   * bound on "in progress" when the first request's process died mid-way. Default 30 000.
   */
  pendingTtlMs?: number;
}

/** What {@link IdempotencyStore.begin} found. */
export type IdempotencyBegin =
  /** First use of the key: do the work, then `complete` (or `abandon` if it failed). */
  | { kind: 'new' }
  /** The same request was answered before: send this again. */
  | { kind: 'replay'; status: number; body: unknown }
  /** The key was used for a different request. */
  | { kind: 'conflict' }
  /** The same request is being handled right now by another call. */
  | { kind: 'in-progress' };

export interface IdempotencyStore {
  /** Claims `key` for the request hashed as `requestHash`, or reports what it already holds. */
  begin(key: string, requestHash: string): Promise<IdempotencyBegin>;
  /** Records the response of the request that claimed `key`; kept `ttlSec`. */
  complete(key: string, requestHash: string, status: number, body: unknown): Promise<void>;
  /** Releases a claim whose work failed before it took effect, so a retry may run. */
  abandon(key: string): Promise<void>;
}

/** Creates the store on `redis` (any role) under `keyspace`. */
export function createIdempotencyStore(redis: Redis, keyspace: Keyspace, opts: IdempotencyStoreOptions = {}): IdempotencyStore {
  apiScripts.define(redis);
  const ttlSec = opts.ttlSec ?? 86_400;
  const pendingTtlMs = opts.pendingTtlMs ?? 30_000;
  const recordKey = (key: string) => keyspace.key('idem', key);

  return {
    async begin(key, requestHash) {
      const reply = (await apiScripts.run(redis, 'beginIdempotentRequest', [recordKey(key)], [requestHash, pendingTtlMs, new Date().toISOString()])) as string[];
      const [kind, status, body] = reply;
      if (kind === 'new' || kind === 'conflict' || kind === 'in-progress') return { kind };
      return { kind: 'replay', status: Number(status), body: body === undefined ? undefined : JSON.parse(body) };
    },
    async complete(key, requestHash, status, body) {
      await apiScripts.run(redis, 'completeIdempotentRequest', [recordKey(key)], [requestHash, status, JSON.stringify(body ?? null), ttlSec, new Date().toISOString()]);
    },
    async abandon(key) {
      await apiScripts.run(redis, 'abandonIdempotentRequest', [recordKey(key)], []);
    },
  };
}

/**
 * The hash that says whether two requests are "the same": sha256 over the method, the path and the
 * body in canonical JSON (object keys sorted, `undefined` members dropped), so key order and
 * whitespace do not matter. Pass the body after validation: it is walked recursively.
 */
export function hashRequest(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method.toUpperCase()}\n${path}\n${canonicalJson(body)}`).digest('hex');
}

/** JSON with object keys in sorted order; `undefined` (and functions) are left out as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortKeys);
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return sortKeys(json.call(value));
  // A null prototype, so a `__proto__` member is copied as data instead of replacing the prototype.
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = sortKeys(v);
  }
  return out;
}
