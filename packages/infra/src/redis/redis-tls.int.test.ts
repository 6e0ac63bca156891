/**
 * Managed Redis as ElastiCache, Azure Cache or Upstash run it: TLS with a private CA, a client
 * certificate and a password. A local `redis-server --tls-port` with certificates made by openssl.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, startTlsRedis, type TestCertificates } from '@lexbridge/testkit';
import { parseEnv, redisEnv, redisSettingsFromEnv } from '../config/index.js';
import { createKeyspace, createRedis, redisErrorHint, waitForRedis, type RedisConnectionSettings } from './index.js';

const PASSWORD = 'tls-pass-0123456789';

describe('Redis over TLS (rediss://)', () => {
  let certs: TestCertificates;
  let redis: Awaited<ReturnType<typeof startTlsRedis>>;
  beforeAll(async () => {
    certs = await makeTestCertificates('redis.lexbridge.test');
    redis = await startTlsRedis(certs, PASSWORD);
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
    certs?.remove();
  });

  const settings = (env: Record<string, string>): RedisConnectionSettings =>
    redisSettingsFromEnv(parseEnv(redisEnv, { REDIS_URL: `rediss://:${PASSWORD}@127.0.0.1:${redis.tlsPort}`, ...env }));
  const clientCert = () => ({ REDIS_TLS_CERT_FILE: certs.clientCertFile, REDIS_TLS_KEY_FILE: certs.clientKeyFile });
  /** The outcome of waiting for Redis with `s`: 'ready', or the error's message. */
  async function connect(s: RedisConnectionSettings, timeoutMs = 3_000): Promise<string> {
    const r = createRedis(s, 'worker');
    try {
      await waitForRedis(r, { timeoutMs, settings: s });
      const ks = createKeyspace('tls');
      await r.set(ks.key('k'), 'over tls');
      return (await r.get(ks.key('k'))) === 'over tls' ? 'ready' : 'wrong answer';
    } catch (err) {
      return (err as Error).message;
    } finally {
      r.disconnect();
    }
  }

  it('connects with the CA file, a client certificate and key, and the password', async () => {
    expect(await connect(settings({ REDIS_TLS_CA_FILE: certs.caFile, ...clientCert() }))).toBe('ready');
  });

  it('checks the certificate against REDIS_TLS_SERVERNAME when it is set', async () => {
    expect(await connect(settings({ REDIS_TLS_CA_FILE: certs.caFile, REDIS_TLS_SERVERNAME: 'redis.lexbridge.test', ...clientCert() }))).toBe('ready');
    const wrongName = await connect(settings({ REDIS_TLS_CA_FILE: certs.caFile, REDIS_TLS_SERVERNAME: 'elsewhere.example', ...clientCert() }));
    expect(wrongName).toMatch(/REDIS_TLS_SERVERNAME/);
  });

  it('fails with a wrong CA, naming REDIS_TLS_CA_FILE and never the password', async () => {
    const message = await connect(settings({ REDIS_TLS_CA_FILE: certs.otherCaFile, ...clientCert() }));
    expect(message).toMatch(/did not become ready/);
    expect(message).toMatch(/REDIS_TLS_CA_FILE/);
    expect(message).not.toContain(PASSWORD);
  });

  it('fails without the client certificate the server requires, naming REDIS_TLS_CERT_FILE', async () => {
    const message = await connect(settings({ REDIS_TLS_CA_FILE: certs.caFile }));
    expect(message).toMatch(/did not become ready/);
    expect(message).toMatch(/REDIS_TLS_CERT_FILE/);
  });

  // A server requiring a client certificate may reset the connection before its TLS alert reaches
  // the client (seen on a busy machine: "write ECONNRESET"); the hint must not depend on which wins.
  it('reads a reset over TLS without a client certificate as a missing REDIS_TLS_CERT_FILE, and only then', () => {
    const reset = Object.assign(new Error('write ECONNRESET'), { code: 'ECONNRESET' });
    expect(redisErrorHint(reset, { url: 'rediss://127.0.0.1:6380', tls: {} })).toMatch(/REDIS_TLS_CERT_FILE/);
    expect(redisErrorHint({ message: 'Client network socket disconnected before secure TLS connection was established' }, { url: 'rediss://127.0.0.1:6380', tls: {} })).toMatch(/REDIS_TLS_CERT_FILE/);
    expect(redisErrorHint(reset, { url: 'rediss://127.0.0.1:6380', tls: { cert: 'PEM', key: 'PEM' } })).toBe('');
    expect(redisErrorHint(reset, { url: 'redis://127.0.0.1:6379' })).toBe('');
  });

  it('refuses at start a CA file that is missing or not a certificate, naming the variable', () => {
    expect(() => settings({ REDIS_TLS_CA_FILE: `${certs.dir}/missing.crt` })).toThrow(/REDIS_TLS_CA_FILE: cannot read .*missing\.crt \(ENOENT\)/);
    expect(() => settings({ REDIS_TLS_CA_FILE: certs.clientKeyFile })).toThrow(/REDIS_TLS_CA_FILE: .* is not a PEM certificate/);
    expect(() => settings({ REDIS_TLS_KEY_FILE: certs.caFile, REDIS_TLS_CERT_FILE: certs.clientCertFile })).toThrow(/REDIS_TLS_KEY_FILE: .* is not a PEM private key/);
  });
});
