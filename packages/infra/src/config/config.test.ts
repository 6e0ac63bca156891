import { describe, expect, it } from 'vitest';
import { apiEnv, ConfigError, lexamicaEnv, parseEnv, pollEnv, redisEnv } from './index.js';

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
