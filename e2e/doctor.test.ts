/**
 * `lexbridge setup --dry-run` and `lexbridge doctor` against the sandbox, as a firm runs them before
 * going live: doctor passes on a correct configuration (under both built-in profiles) and names the
 * key to fix for each deliberately wrong one.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '@lexbridge/cli';
import { redisUrl } from '@lexbridge/testkit';
import { exampleConfigFor, exampleConfigWith, startSandbox, type RunningSandbox } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'lexbridge-doctor-'));
let n = 0;
function yamlFile(text: string): string {
  const file = join(dir, `lexbridge-${++n}.yaml`);
  writeFileSync(file, text);
  return file;
}

async function run(env: RunningSandbox, config: string, ...argv: string[]) {
  const { org } = env.sandbox.state;
  const lines: string[] = [];
  const code = await runCli(argv, {
    REDIS_URL: redisUrl(),
    LEXBRIDGE_CONFIG: config,
    LEXAMICA_BASE_URL: env.baseUrl,
    LEXAMICA_ORG_ID: org.id,
    LEXAMICA_PUBLIC_KEY: org.publicKey,
    LEXAMICA_PRIVATE_KEY: org.privateKey,
  }, (l) => lines.push(l));
  return { code, out: lines.join('\n') };
}

describe('lexbridge doctor against the sandbox', () => {
  let env: RunningSandbox;
  beforeAll(async () => {
    env = await startSandbox();
    env.sandbox.scenario.generate(3);
  });
  afterAll(() => env.close());

  it('prints its help', async () => {
    const r = await run(env, yamlFile(exampleConfigWith()), 'doctor', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('usage: lexbridge doctor');
  });

  it('passes a correct configuration, checking keys, lists, subscriptions, events and the read-back', async () => {
    const r = await run(env, yamlFile(exampleConfigWith()), 'doctor');
    expect(r.out).toContain('doctor: ready to go live');
    expect(r.out).toMatch(/✓ private key and the mappings list/);
    expect(r.out).toMatch(/✓ subscription "Case Invitation Sent"/);
    expect(r.out).toMatch(/✓ a recent invitation reads through the mapping/);
    expect(r.out).toMatch(/✓ invitation read-back \(public key\): status open/);
    expect(r.code).toBe(0);
  });

  const wrong: Array<[string, Record<string, unknown>, string]> = [
    ['a wrong path', { profile: { paths: { storedEvents: '/organization/{orgId}/events' } } }, 'paths.storedEvents'],
    ['a key in the wrong place', { profile: { auth: { private: { in: 'query', name: 'key' } } } }, 'auth.private'],
    ['a wrong envelope', { profile: { envelope: { storedEvents: { listItems: 'results', listTotal: 'count' } } } }, 'envelope.storedEvents.listItems'],
    ['a wrong row field', { profile: { fields: { createdAt: 'storedAt' } } }, 'fields.createdAt'],
    ['a wrong event name', { profile: { events: { invitationSent: 'CASE_INVITATION_SENT' } } }, 'events.invitationSent'],
    ['a wrong read-back key', { profile: { auth: { invitationReadKey: 'private' } } }, 'auth.invitationReadKey'],
  ];
  it.each(wrong)('names the key to fix for %s', async (_what, fragment, key) => {
    const r = await run(env, yamlFile(exampleConfigWith(fragment)), 'doctor');
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain(`→ fix: ${key}`);
  });

  it('names the subscription missing on Lexamica', async () => {
    const r = await run(env, yamlFile(exampleConfigWith(`subscriptions:\n  - { event: Case Invitation Sent, mapping: invitation }\n  - { event: Case Relay Missed, mapping: invitation }\n`)), 'doctor');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✗ subscription "Case Relay Missed": missing on Lexamica: run `lexbridge setup` {2}→ fix: subscriptions\.1/);
  });
});

describe('set-up and doctor under the alternate profile', () => {
  let env: RunningSandbox;
  const yaml = exampleConfigFor('alternate');
  beforeAll(async () => {
    // A sandbox serving the alternate profile with nothing set up yet.
    env = await startSandbox({ profile: 'alternate', firmYaml: yaml });
  });
  afterAll(() => env.close());

  it('setup --dry-run plans against it and changes nothing; doctor then passes', async () => {
    const fresh = await startSandbox({ profile: 'alternate', firmYaml: exampleConfigFor('alternate', { subscriptions: [{ event: 'Case Invitation Sent', mapping: 'invitation' }] }) });
    try {
      const file = yamlFile(yaml);
      const dry = await run(fresh, file, 'setup', '--dry-run');
      expect(dry.code).toBe(0);
      expect(dry.out).toContain('create subscription "CASE_INVITATION_ACCEPTED"');
      expect(dry.out).toContain('(dry run: nothing applied)');
      expect(fresh.sandbox.state.subscriptions.list()).toHaveLength(1);
    } finally {
      await fresh.close();
    }
    env.sandbox.scenario.generate(2);
    const r = await run(env, yamlFile(yaml), 'doctor');
    expect(r.out).toContain('doctor: ready to go live');
    expect(r.code).toBe(0);
  });
});
