/**
 * A receiver as its tests start it: on the shared test Redis under a scratch prefix, with the
 * default profile, a known secret and no personal fields; and signed deliveries to it.
 */
import type { RedisClient } from '@lexbridge/infra/redis';
import { defaultProfile, webhookDigest } from '@lexbridge/lexamica-client';
import { personalDataPolicy } from '@lexbridge/core/firm-config';
import { createLogger } from '@lexbridge/infra/logger';
import { createRedis } from '@lexbridge/infra/redis';
import { redisUrl, scratchPrefix, waitFor } from '@lexbridge/testkit';
import { createReceiverService, type ReceiverService } from '../src/service.js';

const SECRET = 'receiver-test-secret-0123456789';
export const URL_PATH = '/hooks/lexamica';

export interface Delivery {
  method: 'POST';
  url: string;
  payload: string;
  headers: Record<string, string>;
}

/** A delivery of `body` signed as Lexamica signs it (with `secret`, at `atSec`), plus any `headers`. */
export function delivery(body: unknown, opts: { secret?: string; atSec?: number; contentType?: string; headers?: Record<string, string> } = {}): Delivery {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const t = String(opts.atSec ?? Math.floor(Date.now() / 1000));
  return {
    method: 'POST',
    url: URL_PATH,
    payload: raw,
    headers: {
      'content-type': opts.contentType ?? 'application/json',
      'x-lexamica-timestamp': t,
      'x-lexamica-signature': `sha256=${webhookDigest(opts.secret ?? SECRET, t, raw)}`,
      ...opts.headers,
    },
  };
}

export interface TestReceiver {
  service: ReceiverService;
  redis: RedisClient;
  prefix: string;
  close(): Promise<void>;
}

/** Starts a receiver under a scratch prefix named after `name`; `close` stops it and removes its keys. */
export async function startTestReceiver(name: string): Promise<TestReceiver> {
  const { prefix, cleanup } = scratchPrefix(name);
  const redis = createRedis(redisUrl(), 'producer');
  await waitFor(() => redis.status === 'ready', { message: 'redis ready' });
  const service = createReceiverService({
    profile: defaultProfile,
    secrets: [SECRET],
    redis,
    redisPrefix: prefix,
    logger: createLogger({ name: 'receiver-test', level: 'silent' }),
    webhooks: { url: `https://lexbridge.example.com${URL_PATH}`, maxBodyBytes: 4_096 },
    personalData: personalDataPolicy({ mappings: {} }),
  });
  service.start();
  await service.app.ready();
  return {
    service,
    redis,
    prefix,
    async close() {
      await service.close();
      await cleanup();
      redis.disconnect();
    },
  };
}
