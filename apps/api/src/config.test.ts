import { describe, expect, it } from 'vitest';
import { ConfigError } from '@lexbridge/infra/config';
import { loadApiEnv } from './config.js';

const base = { API_TOKENS: 'token-aaaaaaaaaaaaaaaa, token-bbbbbbbbbbbbbbbb' };

describe('API configuration', () => {
  it('parses tokens and applies the documented defaults', () => {
    const env = loadApiEnv(base);
    expect(env.API_TOKENS).toEqual(['token-aaaaaaaaaaaaaaaa', 'token-bbbbbbbbbbbbbbbb']);
    expect(env).toMatchObject({
      API_PORT: 3000,
      API_HOST: '127.0.0.1',
      API_BODY_LIMIT_BYTES: 1_048_576,
      API_UPLOAD_MAX_BYTES: 10_485_760,
      API_UPLOAD_TTL_SEC: 604_800,
      API_IDEMPOTENCY_TTL_SEC: 604_800,
      API_RETRY_AFTER_SEC: 5,
      API_SHUTDOWN_GRACE_MS: 10_000,
    });
  });

  it('names each bad variable and never echoes a value', () => {
    const err = (() => {
      try {
        loadApiEnv({ API_TOKENS: 'short', API_IDEMPOTENCY_TTL_SEC: '3600', API_UPLOAD_MAX_BYTES: '999999999' });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems.map((p) => p.variable).sort()).toEqual(['API_IDEMPOTENCY_TTL_SEC', 'API_TOKENS', 'API_UPLOAD_MAX_BYTES']);
    expect(err.message).not.toContain('short');
  });

  it('reads the trusted proxies and the cookie setting, and refuses a proxy list that trusts everyone', () => {
    const unset = loadApiEnv(base);
    expect(unset.API_TRUST_PROXY).toBeUndefined();
    expect(unset.CONSOLE_COOKIE_SECURE).toBe('auto');
    expect(loadApiEnv({ ...base, API_TRUST_PROXY: ' 10.0.0.5, 172.16.0.0/12,fd00::/8 ,loopback', CONSOLE_COOKIE_SECURE: 'Always' })).toMatchObject({
      API_TRUST_PROXY: ['10.0.0.5', '172.16.0.0/12', 'fd00::/8', 'loopback'],
      CONSOLE_COOKIE_SECURE: 'always',
    });
    expect(loadApiEnv({ ...base, API_TRUST_PROXY: '10.0.0.1,' }).API_TRUST_PROXY).toEqual(['10.0.0.1']);
    for (const bad of ['true', '*', '1', '10.0.0.0/33', '10.0.0.0/8/1', 'proxy.internal', ',']) {
      const err = (() => {
        try {
          loadApiEnv({ ...base, API_TRUST_PROXY: bad });
        } catch (e) {
          return e;
        }
      })() as ConfigError;
      expect(err, bad).toBeInstanceOf(ConfigError);
      expect(err.problems.map((p) => p.variable), bad).toEqual(['API_TRUST_PROXY']);
      expect(err.message).toMatch(/X-Forwarded-Proto/);
    }
    expect(() => loadApiEnv({ ...base, CONSOLE_COOKIE_SECURE: 'never' })).toThrow(/CONSOLE_COOKIE_SECURE: must be auto or always/);
  });
});
