/**
 * The reliability suite (issue 10): runs the real services against the sandbox on loopback, drives
 * a few thousand invitations and several hundred outbound updates through faults, processor and
 * poller crashes and Redis restarts, lets the system settle, and judges the result from the
 * sandbox's record and Lexbridge's own. Then scans every service log for secrets and personal data.
 *
 * Progress goes to stderr; stdout gets exactly one line, the JSON summary. Exit code 0 only when
 * nothing was lost or done twice, nothing was sent after an expiry, the feed has no duplicates,
 * the logs hold no secrets, idempotent requests kept their contract, the ledger agrees with
 * Lexamica once settled, and the chaos asked for really happened. Logs: reports/chaos/<run>/.
 *
 * Settings: CHAOS_* variables (see config.ts).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createLexamicaClient } from '@lexbridge/lexamica-client';
import { abuseFailures, runAbuseProbe, type AbuseReport } from './abuse.js';
import { watchdogConfigSchema } from '@lexbridge/core/ledger';
import { parse as parseYaml } from 'yaml';
import type { FaultConfigInput, ScenarioOptionsInput } from '@lexbridge/sandbox';
import { ConfigError } from '@lexbridge/infra/config';
import { createApiClient } from './api-client.js';
import { loadChaosConfig, REQUIRED, type ChaosConfig } from './config.js';
import { createEvidenceReader, type QueueState } from './evidence.js';
import { createLeakScanner, type Leak } from './log-scan.js';
import { driveOutbound } from './outbound-driver.js';
import { waitForMidPoll } from './poller-probe.js';
import { createSandboxControl, NO_FAULTS, type SandboxControl } from './sandbox-control.js';
import { planStrikes, seededUnit, type Strike } from './schedule.js';
import { createSlowRedisPhase, type SlowRedisResult } from './slow-redis.js';
import { startStack, type Stack } from './stack.js';
import { judge, type PostedUpdate, type Verdict } from './verdict.js';
import { runWebhookPhase, webhookPhaseFailures, type WebhookPhaseResult } from './webhook-phase.js';

const MINUTE = 60_000;
/** Invitations that outlive the run: none of them should expire unanswered. */
const LONG_EXPIRY = { min: 30 * MINUTE, max: 60 * MINUTE };
/** Invitations that expire within seconds: some are answered in time, the rest must never be. */
const SHORT_EXPIRY = { min: 4_000, max: 40_000 };
const SHORT_BATCH = 12;
const SHORT_BATCH_EVERY_MS = 20_000;
/** Invitations added at once before a poller crash, so the leader is in a many-page pass. */
const POLLER_BURST = 150;

/** Modest rates: enough to hit every path many times, low enough that the run converges. */
const FAULTS: FaultConfigInput = {
  serverError: { rate: 0.03, status: 503 },
  rateLimit: { rate: 0.01, retryAfterSec: 1 },
  latency: { rate: 0.2, minMs: 20, maxMs: 400 },
  reset: { rate: 0.01 },
  duplicateEvent: { rate: 0.05 },
  lateEvent: { rate: 0.05, windowMs: 20_000 },
  sameTimestamp: { rate: 0.01, count: 5 },
};

const root = fileURLToPath(new URL('..', import.meta.url));
const t0 = Date.now();
const say = (line: string) => process.stderr.write(`[chaos ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);

interface Tally {
  processorKills: number;
  pollerKills: number;
  pollerKillsMidPoll: number;
  redisRestarts: number;
  shortInvitations: number;
  unexpectedExits: string[];
}

type TimelineItem = Strike | { atMs: number; kind: 'short-batch' };

/** The running stack, for the last-resort clean-up when the run itself breaks. */
let current: Stack | undefined;

async function main(cfg: ChaosConfig): Promise<number> {
  const runId = randomBytes(4).toString('hex');
  const runDir = join(root, cfg.CHAOS_OUT_DIR, `${new Date(t0).toISOString().replace(/[:.]/g, '-')}-${runId}`);
  const tally: Tally = { processorKills: 0, pollerKills: 0, pollerKillsMidPoll: 0, redisRestarts: 0, shortInvitations: 0, unexpectedExits: [] };
  let stopping = false;

  // The whole run is bounded: past the deadline everything is killed and the run fails.
  const hardStop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    say(`stopping: ${reason}`);
    current?.killNow();
    void (current?.redis.stop() ?? Promise.resolve()).finally(() => {
      process.stdout.write(`${JSON.stringify({ ok: false, seed: cfg.CHAOS_SEED, failures: [reason], logs: runDir })}\n`);
      process.exit(1);
    });
  };
  const deadline = setTimeout(() => hardStop(`the run passed CHAOS_DEADLINE_MS (${cfg.CHAOS_DEADLINE_MS} ms)`), cfg.CHAOS_DEADLINE_MS);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => hardStop(`interrupted by ${sig}`));

  say(`seed ${cfg.CHAOS_SEED}, run ${runId}, logs in ${runDir}`);
  const s = await startStack({
    root,
    runDir,
    seed: cfg.CHAOS_SEED,
    logLevel: cfg.CHAOS_LOG_LEVEL,
    onUnexpectedExit: (name, code, signal) => {
      if (stopping) return;
      tally.unexpectedExits.push(`${name} (${signal ?? code})`);
      say(`${name} exited by itself (${signal ?? code}); restarting it`);
      const service = current && [...current.pollers, ...current.processors, current.api, current.sandbox].find((m) => m.spec.name === name);
      setTimeout(() => !stopping && service && !service.running && service.start(), 1_000).unref();
    },
  });
  current = s;
  say(`up: sandbox ${s.sandboxUrl}, API ${s.apiUrl}, Redis ${s.redis.url} (AOF in ${s.redis.dir})`);

  const sandbox = createSandboxControl(s.sandboxUrl);
  const api = createApiClient(s.apiUrl, s.secrets.tokens.cms);
  const client = createLexamicaClient({ baseUrl: s.sandboxUrl, orgId: s.secrets.orgId, publicKey: s.secrets.publicKey, privateKey: s.secrets.privateKey, timeoutMs: 10_000 });
  const evidence = createEvidenceReader({ redisUrl: s.redis.url, prefix: s.prefix, sandbox, api, client });

  // --- drive ---------------------------------------------------------------------------------------
  const scenario: ScenarioOptionsInput = {
    rate: cfg.CHAOS_RATE,
    expiryMs: LONG_EXPIRY,
    cancelRate: 0.03,
    updateRate: 0.3,
    closeRate: 0.02,
    sameTimestampBurst: { rate: 0.01, size: 8 },
  };
  await sandbox.setFaults(FAULTS);
  await sandbox.startScenario(scenario);
  const driveStart = Date.now();
  const driveEnd = driveStart + cfg.CHAOS_DRIVE_MS;
  say(`driving for ${cfg.CHAOS_DRIVE_MS / 1000}s: ${cfg.CHAOS_RATE} invitations/s, ${cfg.CHAOS_UPDATES} outbound updates, faults on`);

  let caseIds: string[] = [];
  const refreshCases = async () => {
    caseIds = (await sandbox.invitations()).map((i) => i.referral._id);
  };
  const background = (async () => {
    let lastReport = 0;
    while (Date.now() < driveEnd && !stopping) {
      await refreshCases().catch((err: unknown) => say(`could not list the sandbox's cases (kept the last list): ${err instanceof Error ? err.message : String(err)}`));
      if (Date.now() - lastReport >= 20_000) {
        lastReport = Date.now();
        const st = await sandbox.stats().catch(() => undefined);
        if (st) {
          say(
            `sandbox: ${st.invitations.sent} invitations, ${st.invitations.acted} answered, ${st.actions.duplicate} duplicate, ` +
              `${st.actions.afterExpiry} after expiry, ${st.caseUpdates.received} updates in, ${st.faults.injected} faults; ` +
              `kills ${tally.processorKills} processor / ${tally.pollerKills} poller, ${tally.redisRestarts} Redis restarts`,
          );
        }
      }
      await sleep(5_000);
    }
  })();

  const timeline: TimelineItem[] = [
    ...planStrikes({
      seed: cfg.CHAOS_SEED,
      driveMs: cfg.CHAOS_DRIVE_MS,
      processorKills: cfg.CHAOS_PROCESSOR_KILLS,
      pollerKills: cfg.CHAOS_POLLER_KILLS,
      redisRestarts: cfg.CHAOS_REDIS_RESTARTS,
    }),
    ...Array.from({ length: Math.floor(cfg.CHAOS_DRIVE_MS / SHORT_BATCH_EVERY_MS) }, (_, i) => ({ atMs: (i + 0.5) * SHORT_BATCH_EVERY_MS, kind: 'short-batch' as const })),
  ].sort((a, b) => a.atMs - b.atMs);

  // Slow Redis from 45% of the drive: every reply late past the API's command timeout, the API
  // restarted meanwhile (issue 16). Redis restarts wait for it (and it for them).
  const slow = createSlowRedisPhase({
    proxy: s.redisProxy,
    api,
    apiUrl: s.apiUrl,
    token: s.secrets.apiTokens[0]!,
    apiService: s.api,
    caseIds: () => caseIds,
    runId,
    durationMs: cfg.CHAOS_SLOW_REDIS_MS,
    deadline: driveEnd + 30_000,
    say,
  });
  const slowRun: Promise<SlowRedisResult | undefined> =
    cfg.CHAOS_SLOW_REDIS_MS > 0 ? sleep(cfg.CHAOS_DRIVE_MS * 0.45).then(() => (stopping ? undefined : slow.run())) : Promise.resolve(undefined);

  const strikes = (async () => {
    for (const [n, item] of timeline.entries()) {
      const wait = driveStart + item.atMs - Date.now();
      if (wait > 0) await sleep(wait);
      if (stopping || Date.now() >= driveEnd) return;
      await runTimelineItem(item, n);
    }
  })();

  async function runTimelineItem(item: TimelineItem, n: number): Promise<void> {
    switch (item.kind) {
      case 'short-batch':
        // The scenario's options apply to every invitation it makes: switch to short expiries,
        // send a batch, switch back.
        await sandbox.startScenario({ expiryMs: SHORT_EXPIRY });
        await sandbox.sendInvitations(SHORT_BATCH);
        await sandbox.startScenario({ expiryMs: LONG_EXPIRY });
        tally.shortInvitations += SHORT_BATCH;
        return;
      case 'processor': {
        const p = s.processors[item.target]!;
        await p.kill('SIGKILL');
        tally.processorKills += 1;
        say(`SIGKILL ${p.spec.name}`);
        await sleep(500 + Math.round(seededUnit(cfg.CHAOS_SEED, 'restart', n) * 2_500));
        p.start();
        return;
      }
      case 'poller': {
        await sandbox.sendInvitations(POLLER_BURST);
        const { index, midPoll } = await waitForMidPoll(s.pollerOpsPorts, 20_000);
        const p = s.pollers[index]!;
        await p.kill('SIGKILL');
        tally.pollerKills += 1;
        if (midPoll) tally.pollerKillsMidPoll += 1;
        say(`SIGKILL ${p.spec.name} ${midPoll ? 'in the middle of a poll' : '(no poll in progress was seen)'}`);
        await sleep(1_000);
        p.start();
        return;
      }
      case 'redis':
        say(`Redis ${item.signal === 'SIGKILL' ? 'crash (SIGKILL)' : 'stop (SIGTERM)'} and restart on its AOF`);
        await slow.exclusive(() => s.redis.restart(item.signal));
        tally.redisRestarts += 1;
        return;
    }
  }

  const posted: PostedUpdate[] = await driveOutbound({
    api,
    caseIds: () => caseIds,
    seed: cfg.CHAOS_SEED,
    runId,
    count: cfg.CHAOS_UPDATES,
    windowMs: cfg.CHAOS_DRIVE_MS * 0.85,
    deadline: driveEnd + 30_000,
  });
  const slowResult = await slowRun;
  posted.push(...(slowResult?.posted ?? []));
  await Promise.all([strikes, background]);
  const wait = driveEnd - Date.now();
  if (wait > 0) await sleep(wait);
  // --- webhooks on: pushes lost and the receiver killed, the invitations still coming ----------------
  const webhookSecret = `whsec_chaos_${randomBytes(16).toString('hex')}`;
  const webhook: WebhookPhaseResult | undefined = cfg.CHAOS_WEBHOOK_MS > 0 && !stopping ? await runWebhookPhase({ s, sandbox, secret: webhookSecret, durationMs: cfg.CHAOS_WEBHOOK_MS, say }) : undefined;
  await sandbox.stopScenario();
  await sandbox.setFaults(NO_FAULTS);
  const stoppedAt = new Date();
  say(`drive over: scenario stopped, faults off; ${posted.length} updates posted; waiting for Lexbridge to settle`);

  // --- settle: queues drained, then the verdict; re-judged until clean or out of time -------------
  const settleBy = Math.min(Date.now() + cfg.CHAOS_QUIESCE_MS, t0 + cfg.CHAOS_DEADLINE_MS - 45_000);
  let verdict: Verdict | undefined;
  let queues: QueueState | undefined;
  let settled: boolean;
  for (;;) {
    queues = await evidence.queueState().catch(() => undefined);
    const idle = queues !== undefined && queues.busy === 0;
    const last = Date.now() >= settleBy;
    if (idle || last) {
      verdict = judge(await evidence.gather(posted, new Date(t0 - MINUTE)));
      settled = idle && verdict.lost === 0 && verdict.unsettled === 0;
      if (settled || last) break;
      say(`queues idle but ${verdict.lost} lost, ${verdict.unsettled} unsettled so far; waiting (${Math.round((settleBy - Date.now()) / 1000)}s left)`);
    } else {
      say(`settling: ${queues?.busy ?? '?'} jobs still to run`);
    }
    await sleep(idle ? 5_000 : 2_000);
  }
  say(`settled: ${settled} (queue ${JSON.stringify(queues?.byQueue ?? {})}) at ${new Date().toISOString()}, ${Math.round((Date.now() - stoppedAt.getTime()) / 1000)}s after the drive`);

  // --- abuse: the security probe's vectors on the settled stack, /health/live timed throughout ---
  // Once settled, what slows the API is the abuse, not the backlog of the chaos before it.
  const abuse = await runAbuseProbe({ apiUrl: s.apiUrl, tokens: s.secrets.tokens });
  say(
    `abuse probe: ${abuse.vectors.map((v) => `${v.name} ${v.requests - v.unexpected}/${v.requests} as expected`).join(', ')}; ` +
      `/health/live at most ${abuse.healthLiveMaxMs} ms (p99 ${abuse.healthLiveP99Ms} ms) over ${abuse.healthLiveChecks} checks, by vector ${JSON.stringify(abuse.healthLiveMaxMsByVector)}`,
  );

  // What the processor's watchdog would call stuck now, with the run's own deadlines.
  const rulesYaml = parseYaml(readFileSync(join(root, 'chaos', 'chaos-rules.yaml'), 'utf8')) as { watchdog?: unknown };
  const stuck = await evidence.stuck(watchdogConfigSchema.parse(rulesYaml.watchdog));
  const stats = await sandbox.stats();
  const evidenceForScan = await sandbox.invitations();
  await evidence.close();
  await s.stop();
  clearTimeout(deadline);

  // --- the logs: secrets and personal data ----------------------------------------------------------
  const scanner = createLeakScanner({
    secrets: [s.secrets.publicKey, s.secrets.privateKey, ...s.secrets.apiTokens, webhookSecret],
    clients: evidenceForScan.map((i) => i.referral.client),
  });
  const leaks: Leak[] = [];
  // The sandbox is Lexamica's side and prints the keys it issued on purpose; every Lexbridge
  // process is scanned. The sandbox's banner doubles as the scanner's positive control.
  const files = s.supervisor.logFiles();
  const scanned = files.filter((f) => basename(f) !== 'sandbox.log');
  for (const file of scanned) leaks.push(...scanner.scan(readFileSync(file, 'utf8'), basename(file)));
  // How often an API queue's start failed in the slow-Redis phase and was rebuilt (the issue 16 path).
  const queueStartFailures = files.filter((f) => basename(f) === 'api.log').reduce((n, f) => n + (readFileSync(f, 'utf8').match(/queue could not start/g)?.length ?? 0), 0);
  const control = files
    .filter((f) => basename(f) === 'sandbox.log')
    .flatMap((f) => scanner.scan(readFileSync(f, 'utf8'), basename(f)))
    .filter((l) => l.kind === 'secret').length;

  return report(cfg, { runId, runDir, tally, verdict, stats, queues, settled, leaks, scanned, control, posted, abuse, slow: slowResult, stuck: stuck.map((x) => `${x.record.invitationId} ${x.reason}`), queueStartFailures, webhook });
}

function report(
  cfg: ChaosConfig,
  r: {
    runId: string;
    runDir: string;
    tally: Tally;
    verdict: Verdict;
    stats: Awaited<ReturnType<SandboxControl['stats']>>;
    queues: QueueState | undefined;
    settled: boolean;
    leaks: Leak[];
    scanned: string[];
    /** Secrets found in the sandbox's banner, which prints them: 0 means the scanner is blind. */
    control: number;
    posted: PostedUpdate[];
    abuse: AbuseReport;
    /** The slow-Redis phase, when it ran. */
    slow: SlowRedisResult | undefined;
    /** Invitations past their deadline at the end (one line each). */
    stuck: string[];
    /** API queue starts that failed (and were rebuilt), from the API's log. */
    queueStartFailures: number;
    /** The webhook phase, when it ran. */
    webhook: WebhookPhaseResult | undefined;
  },
): number {
  const v = r.verdict;
  const failures: string[] = [];
  const zero = { lost: v.lost, duplicateActions: v.duplicateActions, actionsAfterExpiry: v.actionsAfterExpiry, duplicateFeedItems: v.duplicateFeedItems, secretsInLogs: r.leaks.length, idempotencyViolations: v.idempotencyViolations, unsettled: v.unsettled };
  for (const [name, value] of Object.entries(zero)) if (value !== 0) failures.push(`${name} is ${value}`);
  if (!cfg.CHAOS_ALLOW_SHORT) {
    if (r.tally.processorKills < REQUIRED.processorKills) failures.push(`only ${r.tally.processorKills} processor kills (at least ${REQUIRED.processorKills})`);
    if (r.tally.pollerKills < REQUIRED.pollerKills) failures.push(`only ${r.tally.pollerKills} poller kills (at least ${REQUIRED.pollerKills})`);
    if (r.tally.redisRestarts < REQUIRED.redisRestarts) failures.push(`only ${r.tally.redisRestarts} Redis restarts (at least ${REQUIRED.redisRestarts})`);
  }
  if (r.control === 0) failures.push('the leak scanner did not find the keys the sandbox prints: it cannot be trusted');
  failures.push(...abuseFailures(r.abuse));
  failures.push(...webhookPhaseFailures(r.webhook));
  if (!cfg.CHAOS_ALLOW_SHORT && !r.webhook) failures.push('the webhook phase did not run (CHAOS_WEBHOOK_MS)');
  // Issue 16: readiness told the truth, every update posted through the API reached Lexamica, nothing stuck.
  const readinessLies = r.slow?.readinessLies ?? 0;
  if (readinessLies !== 0) failures.push(`readinessLies is ${readinessLies}`);
  if (r.stuck.length !== 0) failures.push(`stuckRecords is ${r.stuck.length}`);
  if (v.outboundDelivered !== v.outboundUpdates) failures.push(`cmsUpdatesDelivered is ${v.outboundDelivered} of ${v.outboundUpdates} posted`);
  if (!cfg.CHAOS_ALLOW_SHORT && (r.slow?.apiRestarts ?? 0) < REQUIRED.slowRedisApiRestarts) failures.push(`the slow-Redis phase restarted the API ${r.slow?.apiRestarts ?? 0} times (at least ${REQUIRED.slowRedisApiRestarts})`);
  const leakKinds: Record<string, number> = {};
  for (const l of r.leaks) leakKinds[l.kind] = (leakKinds[l.kind] ?? 0) + 1;

  const summary = {
    ok: failures.length === 0,
    seed: cfg.CHAOS_SEED,
    runId: r.runId,
    durationMs: Date.now() - t0,
    invitations: v.invitations,
    answered: v.answered,
    leftToHuman: v.leftToHuman,
    withdrawn: v.withdrawn,
    expiredUnanswered: v.expiredUnanswered,
    shortExpiryInvitations: r.tally.shortInvitations,
    kills: r.tally.processorKills + r.tally.pollerKills,
    processorKills: r.tally.processorKills,
    pollerKills: r.tally.pollerKills,
    pollerKillsMidPoll: r.tally.pollerKillsMidPoll,
    redisRestarts: r.tally.redisRestarts,
    faultsInjected: r.stats.faults.injected,
    faultsByKind: r.stats.faults.byKind,
    lost: v.lost,
    lostInvitations: v.lostInvitations,
    lostInbound: v.lostInbound,
    lostOutbound: v.lostOutbound,
    duplicateActions: v.duplicateActions,
    duplicateOutbound: v.duplicateOutbound,
    actionsAfterExpiry: v.actionsAfterExpiry,
    duplicateFeedItems: v.duplicateFeedItems,
    secretsInLogs: r.leaks.length,
    leaksByKind: leakKinds,
    logFilesScanned: r.scanned.length,
    idempotencyViolations: v.idempotencyViolations,
    unsettled: v.unsettled,
    settled: r.settled,
    failedJobs: r.queues?.failed ?? null,
    unexpectedExits: r.tally.unexpectedExits.length,
    inboundEvents: v.inboundEvents,
    outboundUpdates: v.outboundUpdates,
    outboundDelivered: v.outboundDelivered,
    cmsUpdatesPosted: v.outboundUpdates,
    cmsUpdatesDelivered: v.outboundDelivered,
    stuckRecords: r.stuck.length,
    readinessLies,
    slowRedisUpdates: r.slow?.posted.length ?? 0,
    slowRedisApiRestarts: r.slow?.apiRestarts ?? 0,
    slowRedisQueueStartFailures: r.queueStartFailures,
    slowRedisReadyAnswers: r.slow ? { ready: r.slow.readyAnswers, notReady: r.slow.notReadyAnswers } : null,
    outboundRepeats: r.posted.reduce((n, p) => n + p.repeats.length, 0),
    sandboxActions: r.stats.actions.total,
    healthLiveMaxMsUnderAbuse: r.abuse.healthLiveMaxMs,
    healthLiveP99MsUnderAbuse: r.abuse.healthLiveP99Ms,
    healthLiveChecksUnderAbuse: r.abuse.healthLiveChecks,
    abuseRequests: r.abuse.vectors.reduce((n, v) => n + v.requests, 0),
    abuseUnexpected: r.abuse.vectors.reduce((n, v) => n + v.unexpected, 0),
    webhookPhase: r.webhook ?? null,
    failures,
    logs: r.runDir,
  };
  const details = {
    summary,
    examples: [...v.examples, ...(r.slow?.examples ?? []), ...r.stuck.slice(0, 20).map((x) => `stuck: ${x}`)],
    failedJobReasons: r.queues?.failedReasons ?? [],
    unexpectedExits: r.tally.unexpectedExits,
    leaks: r.leaks.slice(0, 200),
    abuse: r.abuse,
  };
  writeFileSync(join(r.runDir, 'summary.json'), `${JSON.stringify(details, null, 2)}\n`);
  for (const e of details.examples) say(`problem: ${e}`);
  for (const reason of details.failedJobReasons) say(`failed job: ${reason}`);
  for (const l of r.leaks.slice(0, 20)) say(`leak: ${l.kind} in ${l.where}`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return summary.ok ? 0 : 1;
}

let cfg: ChaosConfig;
try {
  cfg = loadChaosConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}
main(cfg).then(
  (code) => process.exit(code),
  async (err: unknown) => {
    current?.killNow();
    await current?.redis.stop().catch((stopErr: unknown) => say(`could not stop Redis: ${stopErr instanceof Error ? stopErr.message : String(stopErr)}`));
    say(`the run broke: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.stdout.write(`${JSON.stringify({ ok: false, seed: cfg.CHAOS_SEED, failures: [`the run broke: ${err instanceof Error ? err.message : String(err)}`] })}\n`);
    process.exit(1);
  },
);
