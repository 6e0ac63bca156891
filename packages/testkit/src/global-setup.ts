/**
 * Vitest global set-up for tests that need a real Redis.
 *
 * Order of preference:
 *   1. `REDIS_URL` when it is set (CI and the development machines).
 *   2. testcontainers, where a Docker engine answers.
 *   3. a local `redis-server` binary on a free port, stopped after the run.
 * If none works the run fails with a message saying how to get a Redis: integration tests never
 * silently skip.
 */
import type { TestProject } from 'vitest/node';
import { acquireRedis, type RedisHandle } from './redis-server.js';
import './redis.js';

let handle: RedisHandle | undefined;

export async function setup(project: TestProject): Promise<void> {
  handle = await acquireRedis();
  project.provide('redisUrl', handle.url);
}

export async function teardown(): Promise<void> {
  await handle?.stop();
}
