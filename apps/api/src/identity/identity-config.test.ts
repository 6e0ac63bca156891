import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FirmConfigError, parseFirmConfig } from '@lexbridge/core/firm-config';
import { apiFirmConfigSchema, IdentityConfigError, PUBLISHED_DEMO_TOKENS, resolveIdentities } from './identity-config.js';
import { createIdentityDirectory, tokenSha256 } from './identity-directory.js';

const yaml = (text: string) => parseFirmConfig(text, 'test.yaml', apiFirmConfigSchema);
const problemsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof FirmConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
};
const hash = (t: string) => tokenSha256(t);

describe('API identities from the firm YAML', () => {
  it('reads names, roles, token hashes (upper case accepted) and a per-identity rate', () => {
    const cfg = yaml(`api:\n  identities:\n    - { name: cms, roles: [cms], tokenSha256: [${hash('a').toUpperCase()}, ${hash('b')}], requestsPerMinute: 50 }\n`);
    expect(cfg.api?.identities).toEqual([{ name: 'cms', roles: ['cms'], tokenSha256: [hash('a'), hash('b')], requestsPerMinute: 50 }]);
  });

  it('names the YAML path of each mistake', () => {
    const problems = problemsOf(() =>
      yaml(
        [
          'api:',
          '  identities:',
          `    - { name: Bad Name, roles: [root], tokenSha256: [not-a-hash] }`,
          `    - { name: ops, roles: [], tokenSha256: [${hash('a')}, ${hash('b')}, ${hash('c')}] }`,
          `    - { name: ops, roles: [admin], tokenSha256: [${hash('a')}], token: plain-text }`,
        ].join('\n'),
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^api\.identities\.0\.name: must be 1 to 64 lower-case/),
        expect.stringMatching(/^api\.identities\.0\.roles\.0: must be one of cms, intake, viewer, admin/),
        expect.stringMatching(/^api\.identities\.0\.tokenSha256\.0: must be the SHA-256 of a token/),
        expect.stringMatching(/^api\.identities\.1\.roles: needs at least one role/),
        expect.stringMatching(/^api\.identities\.1\.tokenSha256: at most two tokens/),
        expect.stringMatching(/^api\.identities\.2: Unrecognized key: "token"/),
      ]),
    );
  });

  it('refuses one name twice and one token for two identities', () => {
    const problems = problemsOf(() =>
      yaml(`api:\n  identities:\n    - { name: a, roles: [cms], tokenSha256: [${hash('x')}] }\n    - { name: a, roles: [admin], tokenSha256: [${hash('x')}] }\n`),
    );
    expect(problems).toEqual(['api.identities.1.name: "a" is declared twice', "api.identities.1.tokenSha256.0: the same token is already a's"]);
  });

  it('turns each deprecated API_TOKENS entry into an identity with every role, and warns', () => {
    const { identities, warnings } = resolveIdentities({ identities: [{ name: 'cms', roles: ['cms'], tokenSha256: [hash('cms-token-aaaaaaaaaaaa')] }] }, ['legacy-token-bbbbbbbbbbbb']);
    expect(identities.map((i) => [i.name, i.roles])).toEqual([
      ['cms', ['cms']],
      [`api-token-${hash('legacy-token-bbbbbbbbbbbb').slice(0, 8)}`, ['cms', 'intake', 'viewer', 'admin']],
    ]);
    expect(warnings.join('\n')).toMatch(/API_TOKENS is deprecated: each of its 1 token\(s\) has every role/);
    expect(createIdentityDirectory(identities).byToken('legacy-token-bbbbbbbbbbbb')?.roles).toContain('admin');
  });

  it('refuses to start with no identity, or with a token in both places', () => {
    expect(() => resolveIdentities(undefined, [])).toThrow(IdentityConfigError);
    expect(() => resolveIdentities(undefined, [])).toThrow(/declare api.identities in LEXBRIDGE_CONFIG/);
    expect(() => resolveIdentities({ identities: [{ name: 'cms', roles: ['cms'], tokenSha256: [hash('same-token-cccccccccc')] }] }, ['same-token-cccccccccc'])).toThrow(/already gives to "cms"/);
  });

  it("ships the example's identities with the published demo tokens, and warns while they are accepted", () => {
    const example = yaml(readFileSync(new URL('../../../../lexbridge.example.yaml', import.meta.url), 'utf8'));
    const { identities, warnings } = resolveIdentities(example.api);
    const directory = createIdentityDirectory(identities);
    for (const [name, token] of Object.entries(PUBLISHED_DEMO_TOKENS)) expect(directory.byToken(token)?.name, name).toBe(name);
    expect(warnings).toHaveLength(Object.keys(PUBLISHED_DEMO_TOKENS).length);
    expect(warnings[0]).toMatch(/accepts a demo token published in lexbridge.example.yaml/);
  });
});
