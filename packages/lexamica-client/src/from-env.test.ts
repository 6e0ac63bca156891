import { describe, expect, it } from 'vitest';
import { clientOptionsFromEnv } from './from-env.js';
import { defaultProfile, ProfileError } from './profile.js';

const env = { LEXAMICA_BASE_URL: 'http://127.0.0.1:4010', LEXAMICA_ORG_ID: 'org', LEXAMICA_PUBLIC_KEY: 'pub', LEXAMICA_PRIVATE_KEY: 'priv', LEXAMICA_TIMEOUT_MS: 5_000 };

describe('clientOptionsFromEnv', () => {
  it('maps the LEXAMICA_* variables and applies the firm profile override', () => {
    const opts = clientOptionsFromEnv(env, { query: { skip: 'offset' } });
    expect(opts).toMatchObject({ baseUrl: env.LEXAMICA_BASE_URL, orgId: 'org', publicKey: 'pub', privateKey: 'priv', timeoutMs: 5_000 });
    expect(opts.profile?.query.skip).toBe('offset');
    expect(clientOptionsFromEnv(env).profile).toEqual(defaultProfile);
  });

  it('refuses a bad override with the profile error', () => {
    expect(() => clientOptionsFromEnv(env, { paging: { maxLimit: 'lots' } })).toThrow(ProfileError);
  });
});
