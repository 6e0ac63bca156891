import { describe, expect, it } from 'vitest';
import { ConfigError } from '@lexbridge/infra/config';
import { loadProcessorEnv } from './config.js';

const base = {
  LEXAMICA_BASE_URL: 'http://127.0.0.1:4010',
  LEXAMICA_ORG_ID: 'org-1',
  LEXAMICA_PUBLIC_KEY: 'pk',
  LEXAMICA_PRIVATE_KEY: 'sk',
};

describe('processor configuration', () => {
  it('runs feed-only without a webhook, and with a webhook URL and its secret', () => {
    expect(loadProcessorEnv(base).CMS_WEBHOOK_URL).toBeUndefined();
    const env = loadProcessorEnv({ ...base, CMS_WEBHOOK_URL: 'https://cms.example/hooks/lexbridge', CMS_WEBHOOK_SECRET: 'a-secret-of-16-chars-or-more' });
    expect(env).toMatchObject({ CMS_WEBHOOK_URL: 'https://cms.example/hooks/lexbridge', CMS_WEBHOOK_TIMEOUT_MS: 10_000 });
  });

  it('refuses to start with a webhook URL but no secret, naming the variable', () => {
    const err = (() => {
      try {
        loadProcessorEnv({ ...base, CMS_WEBHOOK_URL: 'https://cms.example/hooks/lexbridge' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.variable)).toEqual(['CMS_WEBHOOK_SECRET']);
    expect((err as Error).message).toContain('CMS_WEBHOOK_SECRET');
  });
});
