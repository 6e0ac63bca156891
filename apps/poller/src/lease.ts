/**
 * Leadership across poller replicas: a Redis lease with a fencing token.
 *
 * The holder's value is `<fence>:<instance>`, where `fence` comes from an ever-increasing counter,
 * so a stale leader (paused past its TTL, then resumed) can be recognised: every checkpoint write
 * is conditional on the lease still holding this exact value.
 */
import type { Redis } from 'ioredis';
import { pollerScripts } from './commands/index.js';

/** Options for {@link createLease}. */
export interface LeaseOptions {
  redis: Redis;
  /** The lease key; the fence counter lives at `<key>:fence`. */
  key: string;
  /** Who this replica is (host name, pid, random). */
  instanceId: string;
  /** How long a lease lasts without renewal (default 15 000 ms). */
  ttlMs?: number;
}

export interface Lease {
  /** The value this replica holds the lease with, when it holds it. */
  readonly value: string | undefined;
  /** Takes the lease if free; renews it if already ours. */
  acquire(): Promise<boolean>;
  /** Extends the lease; false means it was lost (another replica may hold it now). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
  readonly ttlMs: number;
}

export function createLease(opts: LeaseOptions): Lease {
  pollerScripts.define(opts.redis);
  const ttlMs = opts.ttlMs ?? 15_000;
  let value: string | undefined;
  return {
    ttlMs,
    get value() {
      return value;
    },
    async acquire() {
      if (value && (await this.renew())) return true;
      const fence = await opts.redis.incr(`${opts.key}:fence`);
      const candidate = `${fence}:${opts.instanceId}`;
      const ok = await opts.redis.set(opts.key, candidate, 'PX', ttlMs, 'NX');
      value = ok === 'OK' ? candidate : undefined;
      return value !== undefined;
    },
    async renew() {
      if (!value) return false;
      const ok = (await pollerScripts.run(opts.redis, 'renewLease', [opts.key], [value, String(ttlMs)])) === 1;
      if (!ok) value = undefined;
      return ok;
    },
    async release() {
      if (!value) return;
      const held = value;
      value = undefined;
      await pollerScripts.run(opts.redis, 'releaseLease', [opts.key], [held]);
    },
  };
}
