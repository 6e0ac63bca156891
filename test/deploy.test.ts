/**
 * The deployment files and the docs, checked against the code: docker-compose.yml and the
 * Dockerfile keep the rules of docs/operations.md, the example configuration parses with the
 * schemas the services use, every environment variable of every service is documented in
 * docs/configuration.md and listed in .env.example with its real default, the README's two
 * commands are as promised, and no relative link in the docs leads nowhere. Nothing is started.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { defaultProfile, resolveProfile } from '@lexbridge/lexamica-client';
import { processorFirmConfigSchema } from '@lexbridge/processor';
import { firmConfigSchema, parseFirmConfig } from '@lexbridge/shared/firm-config';
import { createMapper } from '@lexbridge/shared/mapping';
import { evaluateRules, parseRulesConfig } from '@lexbridge/shared/rules';
import { apiServiceEnv, loadApiEnv } from '../apps/api/src/config.js';
import { loadPollerEnv, pollerEnv } from '../apps/poller/src/config.js';
import { loadProcessorEnv, processorEnv } from '../apps/processor/src/config.js';
import { loadSandboxConfig, sandboxEnv } from '../apps/sandbox/src/config.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

// ---- docker-compose.yml ------------------------------------------------------------------------

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  profiles?: string[];
  ports?: string[];
  container_name?: string;
  volumes?: string[];
  healthcheck?: { test?: string[] };
  stop_grace_period?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

// `merge: true` resolves the `<<: *service` keys, as Compose does.
const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as ComposeFile;
const services = compose.services;
const usesRedis = (s: ComposeService) => s.environment?.REDIS_URL !== undefined;

/** The TypeScript source a `node apps/<app>/dist/<file>.js` command runs. */
function sourceOf(entry: string): string {
  const m = /^apps\/([a-z-]+)\/dist\/([a-z-]+)\.js$/.exec(entry);
  if (!m) throw new Error(`${entry} is not apps/<app>/dist/<file>.js`);
  return `apps/${m[1]}/src/${m[2]}.ts`;
}

/** Compose durations such as `30s`, `1m30s`, in ms. */
function durationMs(text: string): number {
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(?<!\d)(\d+)(ms|s|m|h)/g)) total += Number(n) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
  return total;
}

/** The default a zod env variable takes when unset, or undefined when it has none. */
function defaultOf(schema: z.ZodType): unknown {
  const r = schema.safeParse(undefined);
  return r.success ? r.data : undefined;
}

describe('docker-compose.yml', () => {
  it('runs Redis with noeviction and AOF every second, on a named volume, with a healthcheck', () => {
    const redis = services.redis!;
    const flag = (name: string) => redis.command![redis.command!.indexOf(name) + 1];
    expect(flag('--maxmemory-policy')).toBe('noeviction');
    expect(flag('--appendonly')).toBe('yes');
    expect(flag('--appendfsync')).toBe('everysec');
    const dataVolume = redis.volumes?.find((v) => v.endsWith(':/data'));
    expect(dataVolume).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(dataVolume!.split(':')[0]);
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('makes every service that uses Redis wait until Redis is healthy', () => {
    const redisUsers = Object.entries(services).filter(([, s]) => usesRedis(s)).map(([name]) => name);
    expect(redisUsers).toEqual(expect.arrayContaining(['poller', 'processor', 'api']));
    for (const name of redisUsers) {
      expect(services[name]!.depends_on?.redis?.condition, name).toBe('service_healthy');
      expect(services[name]!.environment?.REDIS_URL, name).toBe('redis://redis:6379');
    }
  });

  it('lets the processor and the poller scale: no fixed container name, no host port', () => {
    for (const name of ['processor', 'poller']) {
      expect(services[name]!.container_name, name).toBeUndefined();
      expect(services[name]!.ports, name).toBeUndefined();
    }
  });

  it('gives the processor and the API longer to stop than their own shutdown grace', () => {
    expect(durationMs(services.processor!.stop_grace_period ?? '10s')).toBeGreaterThan(defaultOf(processorEnv.SHUTDOWN_GRACE_MS) as number);
    expect(durationMs(services.api!.stop_grace_period ?? '10s')).toBeGreaterThan(defaultOf(apiServiceEnv.API_SHUTDOWN_GRACE_MS) as number);
  });

  it('keeps the sandbox and the demo set-up under the demo profile, and nothing else depends on them', () => {
    expect(services.sandbox!.profiles).toEqual(['demo']);
    expect(services.setup!.profiles).toEqual(['demo']);
    for (const [name, s] of Object.entries(services)) {
      if (s.profiles?.includes('demo')) continue;
      expect(Object.keys(s.depends_on ?? {}), name).not.toContain('sandbox');
      expect(Object.keys(s.depends_on ?? {}), name).not.toContain('setup');
    }
  });

  it('publishes ports on the loopback interface only, so /metrics stays internal', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const port of s.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/);
    }
  });

  it('has a healthcheck on every long-running service', () => {
    for (const [name, s] of Object.entries(services)) {
      if (name === 'setup') continue;
      expect(s.healthcheck?.test, name).toBeDefined();
    }
  });

  it('runs commands whose entry files exist as TypeScript sources, with node flags this Node accepts', () => {
    for (const [name, s] of Object.entries(services)) {
      if (name === 'redis') continue;
      expect(s.command?.[0], name).toBe('node');
      const args = s.command!.slice(1);
      const flags = args.slice(0, args.findIndex((a) => !a.startsWith('-')));
      const entry = args[flags.length]!;
      expect(existsSync(join(root, sourceOf(entry))), `${name}: ${entry}`).toBe(true);
      if (flags.length > 0) {
        const run = spawnSync(process.execPath, [...flags, '-e', '0'], { encoding: 'utf8' });
        expect(run.status, `${name}: node ${flags.join(' ')}: ${run.stderr}`).toBe(0);
      }
    }
  });
});

// ---- Dockerfile ----------------------------------------------------------------------------------

describe('Dockerfile', () => {
  const lines = read('Dockerfile').split('\n').map((l) => l.trim());
  const froms = lines.filter((l) => /^FROM\s/i.test(l));

  it('builds in several stages on an LTS Node image (an even major, 22 or later)', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) {
      const major = Number(/^FROM\s+node:(\d+)/i.exec(from)?.[1]);
      expect(major, from).toBeGreaterThanOrEqual(22);
      expect(major % 2, from).toBe(0);
    }
  });

  it('runs the final stage as a user other than root', () => {
    const lastFrom = lines.findLastIndex((l) => /^FROM\s/i.test(l));
    const users = lines.slice(lastFrom).filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0', '0:0']).not.toContain(users.at(-1));
  });

  it('copies the manifest of every workspace before installing', () => {
    const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
    const manifests = workspaces.flatMap((pattern) => {
      const base = pattern.replace(/\/\*$/, '');
      return readdirSync(join(root, base)).map((d) => `${base}/${d}/package.json`).filter((p) => existsSync(join(root, p)));
    });
    expect(manifests.length).toBeGreaterThanOrEqual(7);
    const install = lines.findIndex((l) => /^RUN\s+npm ci\b/.test(l));
    for (const m of manifests) {
      const at = lines.findIndex((l) => l.startsWith(`COPY ${m} `));
      expect(at, m).toBeGreaterThanOrEqual(0);
      expect(at, m).toBeLessThan(install);
    }
  });

  it('starts an entry file that exists as a TypeScript source', () => {
    const cmd = JSON.parse(lines.filter((l) => l.startsWith('CMD ')).at(-1)!.slice(4)) as string[];
    expect(existsSync(join(root, sourceOf(cmd[1]!)))).toBe(true);
  });
});

// ---- lexbridge.example.yaml ------------------------------------------------------------------------

describe('lexbridge.example.yaml', () => {
  const text = read('lexbridge.example.yaml');
  const firm = parseFirmConfig(text, 'lexbridge.example.yaml', processorFirmConfigSchema);

  it("parses with the processor's full schema and with the poller's base schema", () => {
    expect(firm.rules.length).toBeGreaterThan(3);
    expect(firm.capacity.length).toBeGreaterThan(0);
    expect(parseFirmConfig(text, 'lexbridge.example.yaml', firmConfigSchema).subscriptions).toEqual(firm.subscriptions);
  });

  it('starts in shadow mode, on the one line the demo turns off', () => {
    expect(firm.shadow).toBe(true);
    expect(text.match(/^shadow: true$/gm)).toHaveLength(1);
    const demo = parseFirmConfig(text.replace(/^shadow: true$/m, 'shadow: false'), 'demo.yaml', processorFirmConfigSchema);
    expect(demo.shadow).toBe(false);
  });

  it('writes every section out, so each setting is visible next to its comment', () => {
    const raw = parseYaml(text) as Record<string, unknown>;
    const sections = Object.keys(processorFirmConfigSchema.shape).filter((k) => k !== 'profile');
    expect(Object.keys(raw).sort()).toEqual(sections.sort());
    expect(text).toMatch(/^# profile:$/m);
  });

  it('decides the way its comments say, on invitations in the firm\u2019s own field names', () => {
    const toLexamica = createMapper(firm.mappings.invitation).toLexamica;
    const now = new Date('2026-06-01T12:00:00Z');
    const decide = (payload: Record<string, unknown>) => {
      const d = evaluateRules(firm, toLexamica(payload), now);
      return `${d.action}:${d.rule ?? '(default)'}`;
    };
    const recent = { occurred_on: '2026-03-10' };
    expect(decide({ matter_type: 'Motor Vehicle Accident', estimated_value_usd: 250_000, incident: { ...recent, us_state: 'CA' } })).toBe('accept:accept-high-value-mva');
    expect(decide({ matter_type: 'Motor Vehicle Accident', estimated_value_usd: 250_000, incident: { ...recent, us_state: 'NY' } })).toBe('decline:decline-outside-licensed-states');
    expect(decide({ matter_type: 'Motor Vehicle Accident', estimated_value_usd: 20_000, incident: { ...recent, us_state: 'TX' } })).toBe('evaluate:evaluate-low-or-unknown-value-mva');
    expect(decide({ matter_type: 'Employment', incident: { ...recent, us_state: 'AZ' } })).toBe('decline:decline-practice-areas-not-handled');
    expect(decide({ matter_type: 'Premises Liability', estimated_value_usd: 80_000, incident: { occurred_on: '2023-01-01', us_state: 'WA' } })).toBe('decline:decline-incident-past-limitation');
    expect(decide({ matter_type: 'Mass Tort', incident: { ...recent, us_state: 'FL' } })).toBe('manual:mass-tort-to-partner');
    expect(decide({ matter_type: 'Something New', incident: { ...recent, us_state: 'CA' } })).toBe('manual:(default)');
  });

  it('shows a commented profile override that the Lexamica client accepts', () => {
    const lines = text.split('\n');
    const start = lines.indexOf('# profile:');
    const block: string[] = [];
    for (const line of lines.slice(start)) {
      if (line !== '# profile:' && !line.startsWith('#   ')) break;
      block.push(line.slice(2));
    }
    const { profile } = parseYaml(block.join('\n')) as { profile: unknown };
    const resolved = resolveProfile(profile);
    expect(resolved.auth.public).toEqual({ in: 'query', name: 'key' });
    expect(resolved.paths.storedEvents).not.toBe(defaultProfile.paths.storedEvents);
  });
});

// ---- environment: docs/configuration.md and .env.example -------------------------------------------

const APP_ENVS: Record<string, Record<string, z.ZodType>> = {
  poller: pollerEnv,
  processor: processorEnv,
  api: apiServiceEnv,
  sandbox: sandboxEnv,
};
const ALL_VARIABLES = [...new Set(Object.values(APP_ENVS).flatMap((e) => Object.keys(e)))];

describe('environment variables', () => {
  const configDoc = read('docs/configuration.md');
  const rowOf = (variable: string) => configDoc.split('\n').find((l) => l.startsWith(`| \`${variable}\``));
  const envExample = read('.env.example');
  const envLines = new Map(
    [...envExample.matchAll(/^(#\s?)?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[2]!, { commented: m[1] !== undefined, value: m[3]! }]),
  );

  it('documents every variable of every service in docs/configuration.md, with its default', () => {
    for (const [app, env] of Object.entries(APP_ENVS)) {
      for (const [variable, schema] of Object.entries(env)) {
        const row = rowOf(variable);
        expect(row, `${variable} (${app}) has no row in docs/configuration.md`).toBeDefined();
        const def = defaultOf(schema);
        if (typeof def === 'number' || typeof def === 'string') expect(row, `${variable} (${app})`).toContain(`\`${def}\``);
        if (!schema.safeParse(undefined).success) expect(row, `${variable} (${app})`).toMatch(/required/i);
      }
    }
  });

  it('lists every variable in .env.example, and only variables the services read', () => {
    for (const variable of ALL_VARIABLES) expect(envLines.has(variable), `${variable} is missing from .env.example`).toBe(true);
    for (const variable of envLines.keys()) expect(ALL_VARIABLES, `.env.example sets ${variable}, which no service reads`).toContain(variable);
  });

  it('shows the real default on every commented line of .env.example', () => {
    for (const [variable, line] of envLines) {
      if (!line.commented) continue;
      const defaults = Object.values(APP_ENVS).filter((e) => variable in e).map((e) => defaultOf(e[variable]!));
      if (defaults.every((d) => d === undefined)) continue;
      expect(defaults.map((d) => (typeof d === 'object' ? (d as { name?: string }).name : String(d))), variable).toContain(line.value);
    }
  });

  it('points the demo at the sandbox with the same organisation and keys on both sides', () => {
    const value = (v: string) => envLines.get(v)?.value;
    expect(value('LEXAMICA_BASE_URL')).toBe('http://sandbox:4010');
    expect(value('LEXAMICA_ORG_ID')).toBe(value('SANDBOX_ORG_ID'));
    expect(value('LEXAMICA_PUBLIC_KEY')).toBe(value('SANDBOX_PUBLIC_KEY'));
    expect(value('LEXAMICA_PRIVATE_KEY')).toBe(value('SANDBOX_PRIVATE_KEY'));
  });

  it('starts every compose service with the environment compose gives it from .env.example', () => {
    const dotEnv = Object.fromEntries([...envLines].filter(([, l]) => !l.commented).map(([k, l]) => [k, l.value]));
    const envOf = (service: string) => ({ ...dotEnv, ...services[service]!.environment });
    expect(loadPollerEnv(envOf('poller')).LEXBRIDGE_CONFIG).toBe('/config/lexbridge.yaml');
    expect(loadProcessorEnv(envOf('processor')).OPS_PORT).toBe(9102);
    expect(loadApiEnv(envOf('api')).API_HOST).toBe('0.0.0.0');
    expect(loadSandboxConfig([], envOf('sandbox')).org?.id).toBe(dotEnv.LEXAMICA_ORG_ID);
    expect(loadPollerEnv(envOf('setup')).LEXAMICA_BASE_URL).toBe('http://sandbox:4010');
  });

  it('keeps each container free of the secrets it does not use', () => {
    const env = (service: string) => services[service]!.environment ?? {};
    expect(env('api')).toMatchObject({ LEXAMICA_PUBLIC_KEY: '', LEXAMICA_PRIVATE_KEY: '' });
    for (const service of ['poller', 'processor', 'setup']) expect(env(service).API_TOKENS, service).toBe('');
  });
});

// ---- docs ------------------------------------------------------------------------------------------

const DOCS = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);

/** Markdown without fenced code blocks and inline code, where links are not links. */
const prose = (md: string) => md.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');

describe('docs', () => {
  it('has the four documents the README promises', () => {
    for (const doc of ['configuration', 'operations', 'api-profile', 'security']) expect(DOCS).toContain(`docs/${doc}.md`);
  });

  it("gives the README's two commands exactly", () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('## Two commands'));
    const block = /```\w*\n([\s\S]*?)```/.exec(section)![1]!;
    const commands = block.split('\n').map((l) => l.split('#', 1)[0]!.trim()).filter(Boolean);
    expect(commands).toEqual(['npm ci && npm start', 'npm ci && npm test']);
  });

  it('links only to files that exist inside the repository', () => {
    const broken: string[] = [];
    for (const doc of ['README.md', ...DOCS]) {
      const md = prose(read(doc));
      const targets = [...md.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g), ...md.matchAll(/^\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]!);
      for (const target of targets) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
        const file = resolve(root, dirname(doc), decodeURIComponent(target.split(/[#?]/, 1)[0]!));
        // A link out of the repository works on this machine and breaks on a fresh clone.
        if (!file.startsWith(root + sep)) broken.push(`${doc} → ${target} (outside the repository: ${relative(root, file)})`);
        else if (!existsSync(file)) broken.push(`${doc} → ${target} (no such file)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('names every top-level section of the firm YAML in docs/configuration.md', () => {
    const doc = read('docs/configuration.md');
    for (const key of Object.keys(processorFirmConfigSchema.shape)) expect(doc, key).toContain(`\`${key}\``);
  });

  it('names every key of the API profile in docs/api-profile.md', () => {
    const doc = read('docs/api-profile.md');
    for (const [section, keys] of Object.entries(defaultProfile)) {
      for (const key of Object.keys(keys as object)) expect(doc, `${section}.${key}`).toContain(`${section}.${key}`);
    }
  });

  it('shows YAML examples that parse: profile overrides resolve and rules validate', () => {
    for (const doc of ['docs/configuration.md', 'docs/api-profile.md', 'docs/operations.md', 'docs/security.md']) {
      for (const [, yaml] of read(doc).matchAll(/^```yaml\n([\s\S]*?)^```/gm)) {
        const parsed = parseYaml(yaml!) as Record<string, unknown>;
        if (parsed && 'profile' in parsed) expect(() => resolveProfile(parsed.profile), doc).not.toThrow();
        const rulesPart = Object.fromEntries(Object.entries(parsed ?? {}).filter(([k]) => ['shadow', 'default', 'rules', 'capacity', 'expiryGuard'].includes(k)));
        if (Object.keys(rulesPart).length > 0) expect(() => parseRulesConfig(rulesPart), doc).not.toThrow();
      }
    }
  });

  it('names only metrics the services export', () => {
    const sources = ['apps', 'packages'].flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes('node_modules') && !f.includes(`dist${sep}`))
        .map((f) => readFileSync(join(root, dir, f), 'utf8')),
    );
    const exported = new Set(sources.flatMap((s) => [...s.matchAll(/name: '(lexbridge_[a-z_]+)'/g)].map((m) => m[1]!)));
    const named = new Set(DOCS.flatMap((doc) => [...read(doc).matchAll(/\blexbridge_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, ''))));
    expect(named.size).toBeGreaterThan(5);
    for (const metric of named) expect(exported, `${metric} is not a metric any service exports`).toContain(metric);
  });
});
