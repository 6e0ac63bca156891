import { describe, expect, it } from 'vitest';
import { errorKind } from '@lexbridge/infra/errors';
import { firmConfigSchema, parseFirmConfig } from '@lexbridge/core/firm-config';
import { parseRulesConfig } from '@lexbridge/core/rules';
import { LexamicaHttpError, LexamicaNetworkError, LexamicaResponseError, LexamicaTimeoutError } from './errors.js';
import { resolveProfile } from './profile.js';

const init = { call: 'events.query', request: { method: 'GET', url: 'http://lexamica.test/stored-events' } };
const thrown = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
};

// The poller's error metric, the processor's retry decisions and the API's answers all read one
// errorKind; the Lexamica errors and the configuration errors of every layer say their own kind.
describe('the kinds of Lexamica and configuration errors', () => {
  it('tells rate limits, 4xx, 5xx, timeouts, network failures and bad answers apart', () => {
    expect(errorKind(new LexamicaHttpError({ ...init, status: 429, body: {}, retryAfterMs: 1_000 }))).toBe('rate-limited');
    expect(errorKind(new LexamicaHttpError({ ...init, status: 404, body: {} }))).toBe('lexamica-4xx');
    expect(errorKind(new LexamicaHttpError({ ...init, status: 503, body: {} }))).toBe('lexamica-5xx');
    expect(errorKind(new LexamicaTimeoutError({ ...init, timeoutMs: 100 }))).toBe('timeout');
    expect(errorKind(new LexamicaNetworkError({ ...init, code: 'ECONNREFUSED' }))).toBe('network');
    expect(errorKind(new LexamicaResponseError({ ...init, issues: ['data: expected array'] }))).toBe('bad-response');
  });

  it('calls a bad API profile, firm YAML or rule a configuration problem', () => {
    expect(errorKind(thrown(() => resolveProfile({ paths: 7 })))).toBe('config');
    expect(errorKind(thrown(() => parseFirmConfig('subscriptions: 7\n', 'firm.yaml', firmConfigSchema)))).toBe('config');
    expect(errorKind(thrown(() => parseRulesConfig({ rules: 'accept everything' })))).toBe('config');
  });
});
