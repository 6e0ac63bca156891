/**
 * What every scenario runs against: a private `redis-server` (noeviction, no persistence), the
 * sandbox as a child process with the benchmark firm set up on it, and starters for the poller and
 * processors as child processes. Everything listens on 127.0.0.1 only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLexamicaClient, type LexamicaClient } from '@lexbridge/lexamica-client';
import { applySetup, planSetup } from '@lexbridge/cli';
import { loadProcessorFirmConfig, type ProcessorFirmConfig } from '@lexbridge/processor';
import { orgFromSeed, type SandboxOrg } from '@lexbridge/sandbox';
import { QUEUE_NAMES, QueueSet } from '@lexbridge/core/jobs';
import { createKeyspace, createRedis } from '@lexbridge/infra/redis';
import { freePort, RedisServerProcess, waitFor } from '@lexbridge/testkit';
import type { RedisClient } from '@lexbridge/infra/redis';
import { buildServices, SERVICE_ENTRIES, type ServiceKind } from './build-services.js';
import type { BenchConfig } from './config.js';
import { writeBenchFirmConfig } from './firm-config.js';
import { createRedisProbe, type RedisProbe } from './redis-probe.js';
import { createSandboxDriver, type SandboxDriver } from './sandbox-driver.js';
import { startServiceProcess, type Launch, type ServiceProcess } from './service-process.js';

/** The Redis key prefix of every Lexbridge service in the benchmark. */
export const BENCH_PREFIX = 'bench';
const SANDBOX_SEED = 1;

/** Options of {@link BenchStack.startPoller}. */
export interface PollerStartOptions {
  /** POLL_INTERVAL_MS (default 1 000). */
  pollIntervalMs?: number;
  /** LOG_LEVEL (default `info`); `debug` logs every poll pass, which the steady state reads. */
  logLevel?: string;
  /** Each stdout line of the poller. */
  onLine?: (line: string) => void;
  /** POLL_RECENT_OVERLAP_MS (default: the poller's, 2 000). */
  recentOverlapMs?: number;
  /** LEXBRIDGE_CONFIG (default the benchmark's firm YAML); one with `webhooks:` turns webhooks on. */
  firmFile?: string;
  /** OPS_PORT (default a free one), for reading the poller's metrics. */
  opsPort?: number;
}

export interface BenchStack {
  readonly redisUrl: string;
  readonly sandboxUrl: string;
  readonly org: SandboxOrg;
  readonly firm: ProcessorFirmConfig;
  /** A Lexamica client on the sandbox (real retries and timeouts), for the naive loop. */
  readonly client: LexamicaClient;
  readonly sandbox: SandboxDriver;
  readonly probe: RedisProbe;
  /** A worker-role connection of the benchmark itself (queue counts, the baseline worker). */
  readonly redis: RedisClient;
  /** Lexbridge's queues under {@link BENCH_PREFIX}, for job counts. */
  readonly queues: QueueSet;
  readonly sandboxProcess: ServiceProcess;
  /** The benchmark's firm YAML. */
  readonly firmFile: string;
  /** The webhook receiver, on a firm YAML with `webhooks:` (its port is `webhooks.port` there). */
  startReceiver(opts: { firmFile: string; secret: string }): Promise<ServiceProcess>;
  startPoller(opts?: PollerStartOptions): Promise<ServiceProcess>;
  startProcessor(name: string): Promise<ServiceProcess>;
  /** True when no Lexbridge queue has work waiting, delayed or active. */
  idle(): Promise<boolean>;
  /** Failed jobs by queue (only queues that have some): a scenario that leaves any is broken. */
  failedJobs(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export async function startBenchStack(config: BenchConfig): Promise<BenchStack> {
  const dir = mkdtempSync(join(tmpdir(), 'lexbridge-bench-'));
  const redisServer = await RedisServerProcess.start();
  const cleanups: Array<() => Promise<void> | void> = [async () => redisServer.stop(), () => rmSync(dir, { recursive: true, force: true })];
  const close = async () => {
    while (cleanups.length) await cleanups.pop()!();
  };
  try {
    const org = orgFromSeed(SANDBOX_SEED);
    const firmFile = writeBenchFirmConfig(dir, { concurrency: config.concurrency });
    const firm = loadProcessorFirmConfig(firmFile);
    const compiled = config.runner === 'compiled' ? await buildServices() : undefined;
    const launch = (kind: ServiceKind): Launch => (compiled ? { compiled: compiled[kind] } : { source: SERVICE_ENTRIES[kind] });
    // The poller and processor get docker-compose.yml's node flags; any service may be profiled.
    const withProfile = (kind: ServiceKind) => {
      const nodeArgs = [
        ...(kind === 'sandbox' ? [] : config.serviceNodeFlags),
        ...(config.cpuProfile?.service === kind ? ['--cpu-prof', `--cpu-prof-dir=${config.cpuProfile.dir}`] : []),
      ];
      return nodeArgs.length > 0 ? { nodeArgs } : {};
    };

    const sandboxPort = await freePort();
    const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
    const sandboxProcess = startServiceProcess({
      name: 'sandbox',
      launch: launch('sandbox'),
      env: { SANDBOX_PORT: String(sandboxPort), SANDBOX_HOST: '127.0.0.1', SANDBOX_SEED: String(SANDBOX_SEED), SANDBOX_SCENARIO: 'idle', LOG_LEVEL: 'warn' },
      ...withProfile('sandbox'),
    });
    cleanups.push(() => sandboxProcess.stop());
    await sandboxProcess.waitReady(`${sandboxUrl}/__sandbox/stats`);

    const client = createLexamicaClient({ baseUrl: sandboxUrl, orgId: org.id, publicKey: org.publicKey, privateKey: org.privateKey, timeoutMs: 10_000 });
    await applySetup(client, await planSetup(client, firm));

    const probe = createRedisProbe(redisServer.url);
    cleanups.push(() => probe.close());
    const redis = createRedis(redisServer.url, 'worker');
    cleanups.push(() => redis.disconnect());
    const queues = new QueueSet(redis, createKeyspace(BENCH_PREFIX));
    cleanups.push(() => queues.close());

    const lexbridgeEnv = (opsPort: number, logLevel: string) => ({
      ...(config.serviceNodeOptions !== undefined && { NODE_OPTIONS: config.serviceNodeOptions }),
      REDIS_URL: redisServer.url,
      REDIS_PREFIX: BENCH_PREFIX,
      LEXBRIDGE_CONFIG: firmFile,
      LEXAMICA_BASE_URL: sandboxUrl,
      LEXAMICA_ORG_ID: org.id,
      LEXAMICA_PUBLIC_KEY: org.publicKey,
      LEXAMICA_PRIVATE_KEY: org.privateKey,
      LOG_LEVEL: logLevel,
      OPS_HOST: '127.0.0.1',
      OPS_PORT: String(opsPort),
    });

    return {
      redisUrl: redisServer.url,
      sandboxUrl,
      org,
      firm,
      client,
      sandbox: createSandboxDriver(sandboxUrl),
      probe,
      redis,
      queues,
      sandboxProcess,
      firmFile,
      async startReceiver({ firmFile: file, secret }) {
        const port = await freePort();
        const p = startServiceProcess({
          name: 'receiver',
          launch: launch('receiver'),
          env: { ...lexbridgeEnv(port, 'warn'), LEXBRIDGE_CONFIG: file, LEXAMICA_WEBHOOK_SECRET: secret, RECEIVER_HOST: '127.0.0.1' },
          ...withProfile('receiver'),
        });
        await p.waitReady(`http://127.0.0.1:${port}/health/ready`);
        return p;
      },
      async startPoller(opts = {}) {
        const port = opts.opsPort ?? (await freePort());
        const p = startServiceProcess({
          name: 'poller',
          launch: launch('poller'),
          env: {
            ...lexbridgeEnv(port, opts.logLevel ?? 'info'),
            ...(opts.firmFile && { LEXBRIDGE_CONFIG: opts.firmFile }),
            POLL_INTERVAL_MS: String(opts.pollIntervalMs ?? 1_000),
            ...(opts.recentOverlapMs !== undefined && { POLL_RECENT_OVERLAP_MS: String(opts.recentOverlapMs) }),
          },
          ...(opts.onLine && { onLine: opts.onLine }),
          ...withProfile('poller'),
        });
        await p.waitReady(`http://127.0.0.1:${port}/health/live`);
        return p;
      },
      async startProcessor(name) {
        const port = await freePort();
        const p = startServiceProcess({
          name,
          launch: launch('processor'),
          env: { ...lexbridgeEnv(port, 'info'), SHUTDOWN_GRACE_MS: '5000' },
          ...withProfile('processor'),
        });
        await p.waitReady(`http://127.0.0.1:${port}/health/ready`);
        return p;
      },
      async idle() {
        const counts = await Promise.all(
          (['invitations', 'invitation-actions'] as const).map((q) => queues.get(q).getJobCounts('waiting', 'active', 'delayed', 'prioritized')),
        );
        return counts.every((c) => Object.values(c).every((n) => n === 0));
      },
      async failedJobs() {
        const counts = await Promise.all(QUEUE_NAMES.map(async (q) => [q, (await queues.get(q).getJobCounts('failed')).failed ?? 0] as const));
        return Object.fromEntries(counts.filter(([, n]) => n > 0));
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Waits until the sandbox says `count` invitations were answered; polls every 250 ms. */
export async function waitAnswered(stack: BenchStack, count: number, timeoutMs: number): Promise<void> {
  await waitFor(async () => (await stack.sandbox.stats()).invitations.acted >= count, {
    timeoutMs,
    intervalMs: 250,
    message: `${count} invitations answered`,
  });
}
