import { describe, expect, it } from 'vitest';
import { apiEnv, ConfigError, lexamicaEnv, parseEnv, pollEnv, redisEnv, redisSettingsFromEnv, tracingConfig, tracingEnv } from './index.js';

const lexamica = {
  LEXAMICA_BASE_URL: 'http://127.0.0.1:4010',
  LEXAMICA_ORG_ID: 'org_1',
  LEXAMICA_PUBLIC_KEY: 'pub',
  LEXAMICA_PRIVATE_KEY: 'priv',
};

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('parseEnv', () => {
  it('applies the documented defaults', () => {
    const cfg = parseEnv({ ...redisEnv, ...pollEnv, ...lexamicaEnv }, lexamica);
    expect(cfg.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(cfg.POLL_INTERVAL_MS).toBe(60_000);
    expect(cfg.POLL_OVERLAP_MS).toBe(300_000);
    expect(cfg.REDIS_PREFIX).toBe('lexbridge');
  });

  it('names every missing required variable', () => {
    const err = errorOf(() => parseEnv({ ...lexamicaEnv }, {}));
    expect(err.problems.map((p) => p.variable).sort()).toEqual(
      ['LEXAMICA_BASE_URL', 'LEXAMICA_ORG_ID', 'LEXAMICA_PRIVATE_KEY', 'LEXAMICA_PUBLIC_KEY'].sort(),
    );
    expect(err.message).toContain('LEXAMICA_ORG_ID: is required');
  });

  it('names a variable with a bad value and does not echo the value', () => {
    const err = errorOf(() => parseEnv({ ...redisEnv, ...pollEnv }, { REDIS_URL: 'http://nope-secret', POLL_INTERVAL_MS: 'soon' }));
    expect(err.message).toMatch(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(err.message).toMatch(/POLL_INTERVAL_MS: must be a whole number/);
    expect(err.message).not.toContain('nope-secret');
  });

  it('splits API_TOKENS and refuses short tokens', () => {
    expect(parseEnv(apiEnv, { API_TOKENS: 'a'.repeat(16) + ', ' + 'b'.repeat(20) }).API_TOKENS).toHaveLength(2);
    expect(errorOf(() => parseEnv(apiEnv, { API_TOKENS: 'short' })).message).toContain('API_TOKENS: each token must be at least 16');
    // Deprecated and optional: identities come from the firm's YAML.
    expect(parseEnv(apiEnv, {}).API_TOKENS).toBeUndefined();
    expect(parseEnv(apiEnv, { API_TOKENS: '' }).API_TOKENS).toBeUndefined();
  });

  it('coerces numbers deliberately and enforces bounds', () => {
    expect(parseEnv(pollEnv, { POLL_INTERVAL_MS: '1500' }).POLL_INTERVAL_MS).toBe(1500);
    expect(errorOf(() => parseEnv(pollEnv, { POLL_INTERVAL_MS: '1.5' })).problems[0]?.variable).toBe('POLL_INTERVAL_MS');
    expect(errorOf(() => parseEnv(pollEnv, { POLL_OVERLAP_MS: '-1' })).message).toContain('POLL_OVERLAP_MS: must be at least 0');
  });
});

describe('tracing configuration', () => {
  const tracing = (env: Record<string, string>) => tracingConfig(parseEnv(tracingEnv, env));

  it('is off when no OTEL_ variable says where spans go', () => {
    expect(tracing({})).toEqual({ enabled: false });
  });

  it('is on with an OTLP endpoint, a traces endpoint or OTEL_TRACES_EXPORTER=otlp', () => {
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' }).enabled).toBe(true);
    expect(tracing({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://jaeger:4318/v1/traces' }).enabled).toBe(true);
    expect(tracing({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SERVICE_NAME: 'lexbridge-poller' })).toEqual({ enabled: true, serviceName: 'lexbridge-poller' });
  });

  it('stays off when the SDK is disabled or the exporter is none, whatever else is set', () => {
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_TRACES_EXPORTER: 'none' }).enabled).toBe(false);
  });
});

describe('Redis connection settings', () => {
  const settings = (env: Record<string, string>) => redisSettingsFromEnv(parseEnv(redisEnv, env));
  const problems = (env: Record<string, string>) => errorOf(() => settings(env)).problems.map((p) => `${p.variable}: ${p.message}`);

  it('reads Sentinel: the sentinels, the master name, the sentinel password, and credentials from REDIS_URL', () => {
    expect(settings({ REDIS_URL: 'redis://:pw@ignored:1/2', REDIS_SENTINELS: 's1:26379, [::1]:26380', REDIS_SENTINEL_MASTER: 'mymaster', REDIS_SENTINEL_PASSWORD: 'spw' })).toEqual({
      url: 'redis://:pw@ignored:1/2',
      sentinel: { sentinels: [{ host: 's1', port: 26379 }, { host: '::1', port: 26380 }], masterName: 'mymaster', password: 'spw' },
    });
  });

  it('names each variable that does not fit with the others', () => {
    expect(problems({ REDIS_URL: 'redis://h:6379', REDIS_TLS_SERVERNAME: 'x' })).toEqual(['REDIS_TLS_SERVERNAME: is set but REDIS_URL is redis://; TLS needs a rediss:// URL']);
    expect(problems({ REDIS_SENTINELS: 's1:26379' })).toEqual([expect.stringMatching(/^REDIS_SENTINEL_MASTER: is required when REDIS_SENTINELS is set/)]);
    expect(problems({ REDIS_SENTINEL_MASTER: 'm' })).toEqual([expect.stringMatching(/^REDIS_SENTINEL_MASTER: is set but REDIS_SENTINELS is not/)]);
    expect(problems({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_MASTER: 'm', REDIS_CLUSTER: 'true' })).toEqual([expect.stringMatching(/^REDIS_CLUSTER: cannot be combined with REDIS_SENTINELS/)]);
    expect(problems({ REDIS_URL: 'redis://h:7000/3', REDIS_CLUSTER: 'yes' })).toEqual([expect.stringMatching(/^REDIS_URL: must not name a database with REDIS_CLUSTER/)]);
    expect(errorOf(() => parseEnv(redisEnv, { REDIS_SENTINELS: 's1' })).problems[0]!.variable).toBe('REDIS_SENTINELS');
    expect(errorOf(() => parseEnv(redisEnv, { REDIS_PREFIX: '{a}{b}' })).problems[0]!.variable).toBe('REDIS_PREFIX');
  });

  it('takes a cluster seed from REDIS_URL and a hash-tagged prefix', () => {
    expect(settings({ REDIS_URL: 'rediss://u:p@cfg.example:6379', REDIS_CLUSTER: 'true' })).toEqual({ url: 'rediss://u:p@cfg.example:6379', tls: {}, cluster: true });
    expect(parseEnv(redisEnv, { REDIS_PREFIX: '{firm}:lexbridge' }).REDIS_PREFIX).toBe('{firm}:lexbridge');
  });
});
