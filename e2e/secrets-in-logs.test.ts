/**
 * No secret reaches a console or a log (issue 18): every service runs as it does in production (a
 * child process, its own logger) with a password in REDIS_URL, against the sandbox, through work,
 * a Redis outage, a Redis that answers with another password, and an API started while Redis is
 * away; then every line each process wrote is searched for the Redis password, the Lexamica keys
 * and the API tokens. The demo is run the same way, through an outage of its Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, RedisServerProcess, waitFor } from '@lexbridge/testkit';
import { exampleConfigWith, startSandbox, type RunningSandbox } from './harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A service as a child process, every line it prints kept. */
interface Started {
  name: string;
  child: ChildProcess;
  output: () => string;
}

function startService(name: string, entry: string, env: Record<string, string>): Started {
  let out = '';
  const child = spawn(process.execPath, [join(root, 'scripts', 'run-ts.mjs'), join(root, entry)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { name, child, output: () => out };
}

async function stopService(s: Started): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise((resolve) => s.child.once('exit', resolve));
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function ready(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

/** Each secret found in `text`, with the line it was on (cut), for a readable failure. */
function leaks(text: string, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const line of text.split('\n')) {
    for (const [what, value] of Object.entries(secrets)) if (line.includes(value)) found.push(`${what}: ${line.slice(0, 300)}`);
  }
  return found;
}

describe('secrets in logs and consoles', () => {
  const password = `pw-${randomBytes(12).toString('hex')}`;
  let redis: RedisServerProcess;
  let sb: RunningSandbox;
  const started: Started[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'lexbridge-leaks-'));

  beforeAll(async () => {
    redis = await RedisServerProcess.start({ password });
    sb = await startSandbox();
  });
  afterAll(async () => {
    await Promise.all(started.map(stopService));
    await sb?.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the Redis password, the Lexamica keys and the API tokens out of every line the poller, processor and API print', async () => {
    // One identity from the YAML (its hash only), one from the deprecated API_TOKENS.
    const tokens = [`tok-${randomBytes(16).toString('hex')}`, `tok-${randomBytes(16).toString('hex')}`];
    const config = join(dir, 'lexbridge.yaml');
    const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');
    writeFileSync(config, exampleConfigWith({ api: { identities: [{ name: 'cms', roles: ['cms', 'intake'], tokenSha256: [sha256(tokens[0]!)] }] } }));
    const { org } = sb.sandbox.state;
    const secrets = { 'Redis password': password, 'public key': org.publicKey, 'private key': org.privateKey, 'API token 1': tokens[0]!, 'API token 2': tokens[1]! };
    const [pollerOps, processorOps, apiPort, latePort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'debug',
      REDIS_URL: redis.url,
      REDIS_PREFIX: `lexbridge-leaks-${randomBytes(3).toString('hex')}`,
      LEXBRIDGE_CONFIG: config,
      LEXAMICA_BASE_URL: sb.baseUrl,
      LEXAMICA_ORG_ID: org.id,
      LEXAMICA_PUBLIC_KEY: org.publicKey,
      LEXAMICA_PRIVATE_KEY: org.privateKey,
      POLL_INTERVAL_MS: '200',
      OPS_HOST: '127.0.0.1',
      API_HOST: '127.0.0.1',
      API_TOKENS: tokens[1]!,
    };
    expect(redis.url).toContain(password);
    const poller = startService('poller', 'apps/poller/src/main.ts', { ...env, OPS_PORT: String(pollerOps) });
    const processor = startService('processor', 'apps/processor/src/main.ts', { ...env, OPS_PORT: String(processorOps) });
    const api = startService('api', 'apps/api/src/main.ts', { ...env, API_PORT: String(apiPort) });
    started.push(poller, processor, api);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitFor(async () => (await ready(`http://127.0.0.1:${pollerOps}/health/ready`)) && (await ready(`http://127.0.0.1:${processorOps}/health/ready`)) && (await ready(`${apiUrl}/health/ready`)), {
      timeoutMs: 60_000,
      message: 'services ready',
    });

    // Work that logs: invitations decided, requests with and without a valid token.
    sb.sandbox.scenario.generate(5);
    await waitFor(async () => ((await (await fetch(`${apiUrl}/v1/invitations`, { headers: { authorization: `Bearer ${tokens[0]}` } })).json()) as { items: unknown[] }).items.length >= 5, {
      timeoutMs: 30_000,
      message: 'invitations recorded',
    });
    await fetch(`${apiUrl}/v1/events`, { headers: { authorization: `Bearer ${tokens[1]}x` } });
    await fetch(`${apiUrl}/v1/events?key=${tokens[1]}`);
    await fetch(`${apiUrl}/v1/events?token=${tokens[0]}`, { headers: { authorization: `Bearer ${tokens[0]} and-more` } });

    // Break Redis: stop it, then bring it back with another password (every reconnect is refused).
    await redis.stopProcess();
    const late = startService('api-started-without-redis', 'apps/api/src/main.ts', { ...env, API_PORT: String(latePort), REDIS_STARTUP_TIMEOUT_MS: '5000' });
    started.push(late);
    await waitFor(() => [poller, processor, api].every((s) => /redis connection error|ECONNREFUSED/i.test(s.output())), { timeoutMs: 30_000, message: 'each service logs the outage' });
    const wrong = await RedisServerProcess.start({ port: redis.port, dir: redis.dir, password: `other-${password}` });
    try {
      await waitFor(() => [poller, processor, api].every((s) => /WRONGPASS|NOAUTH/.test(s.output())), { timeoutMs: 30_000, message: 'each service logs the refused password' });
      // The API that found no Redis at start gives up after REDIS_STARTUP_TIMEOUT_MS and says where it
      // looked, without the password.
      await waitFor(() => /\(REDIS_URL\) did not become ready/.test(late.output()), { timeoutMs: 30_000, message: 'the late API stops, naming REDIS_URL' });
      expect(late.output()).toContain(`redis://:[Redacted]@127.0.0.1:${redis.port}`);
    } finally {
      await Promise.all(started.map(stopService));
      await wrong.stopProcess();
    }

    const found = started.flatMap((s) => leaks(s.output(), secrets).map((l) => `${s.name}: ${l}`));
    expect(found, found.join('\n')).toEqual([]);
    // The search itself works: each service printed lines, and the API printed its requests.
    for (const s of started) expect(s.output().length, s.name).toBeGreaterThan(200);
    expect(api.output()).toContain('request completed');
  }, 180_000);

  it('keeps the Redis password out of the demo console and its service logs', async () => {
    await redis.startProcess();
    const logDir = join(root, '.demo', 'logs');
    const before = new Map<string, number>();
    if (existsSync(logDir)) for (const f of readdirSync(logDir)) before.set(f, statSync(join(logDir, f)).size);
    const [apiPort, sandboxPort] = await Promise.all([freePort(), freePort()]);
    let out = '';
    const demo = spawn(process.execPath, ['scripts/demo.mjs'], {
      cwd: root,
      env: { ...process.env, REDIS_URL: redis.url, DEMO_API_PORT: String(apiPort), DEMO_SANDBOX_PORT: String(sandboxPort), DEMO_RATE: '2', DEMO_EXIT_AFTER_MS: '40000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout.on('data', (d) => (out += d));
    demo.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => demo.on('exit', resolve));
    const newLogText = () =>
      existsSync(logDir) ? readdirSync(logDir).map((f) => readFileSync(join(logDir, f), 'utf8').slice(before.get(f) ?? 0)).join('\n') : '';
    try {
      await waitFor(() => out.includes('Where to look'), { timeoutMs: 90_000, message: 'the demo is up' });
      expect(out).toContain(`redis://:[Redacted]@127.0.0.1:${redis.port}`);
      await redis.stopProcess();
      await waitFor(() => /redis connection error/i.test(newLogText()), { timeoutMs: 30_000, message: 'the demo services log the outage' });
      await redis.startProcess();
    } finally {
      await exited;
    }
    const found = [...leaks(out, { 'Redis password': password }), ...leaks(newLogText(), { 'Redis password': password })];
    expect(found, found.join('\n')).toEqual([]);
  }, 180_000);
});
