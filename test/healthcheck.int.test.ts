/**
 * scripts/healthcheck.mjs against the API and the sandbox as they serve: the API on a Redis of its
 * own that the test stops, so "not ready" is the API's real answer to a lost Redis.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSandbox, type Sandbox } from '@lexbridge/sandbox';
import { RedisServerProcess, waitFor } from '@lexbridge/testkit';
import { createTestApi, type TestApi } from '../apps/api/test/harness.js';
import { runHealthcheck } from './run-healthcheck.js';

describe('the API', () => {
  let redis: RedisServerProcess;
  let api: TestApi;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await RedisServerProcess.start();
    api = await createTestApi({ url: redis.url });
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    env = { API_PORT: String((api.app.server.address() as AddressInfo).port), API_HOST: '127.0.0.1' };
  });
  afterAll(async () => {
    await api?.close();
    await redis?.stop();
  });

  it('is healthy while it can reach Redis', async () => {
    expect(await runHealthcheck(['api'], env)).toMatchObject({ code: 0, out: expect.stringContaining('api: ready:') });
  });

  it('is unhealthy, with the failing check named, once Redis is gone', async () => {
    await redis.stopProcess();
    await waitFor(() => api.redis.status !== 'ready', { message: 'the API notices Redis is gone' });
    const result = await runHealthcheck(['api'], env);
    expect(result.code).toBe(1);
    expect(result.out).toContain('answered 503');
    expect(result.out).toContain('"redis":false');
  });
});

describe('the sandbox (demo profile)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await buildSandbox({ seed: 3 });
    await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('is healthy while it serves', async () => {
    const port = String((sandbox.app.server.address() as AddressInfo).port);
    expect(await runHealthcheck(['sandbox'], { SANDBOX_PORT: port, SANDBOX_HOST: '0.0.0.0' })).toMatchObject({ code: 0, out: expect.stringContaining('sandbox: ready:') });
  });
});
