/**
 * `lexbridge`: the operators' command line. Every command has its own `--help`; `--version` prints
 * the version. Exit codes (docs/cli.md): 0 done, 1 failed (a check failed, a setting is wrong,
 * Lexamica or Redis could not be reached), 2 the command line itself is wrong (unknown command or
 * option, a missing argument), 3 `purge` left unfinished jobs that name the case.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { QueueEvents } from 'bullmq';
import { clientOptionsFromEnv, createLexamicaClient } from '@lexbridge/lexamica-client';
import { firmConfigEnv, lexamicaEnv, parseEnv, pollEnv, receiverEnv, redisEnv, redisSettingsFromEnv } from '@lexbridge/infra/config';
import { firmConfigSchema, loadFirmConfig } from '@lexbridge/core/firm-config';
import { enqueue, QUEUE_NAMES, QueueSet, type QueueName } from '@lexbridge/core/jobs';
import { createFeed } from '@lexbridge/core/feed';
import { createLedger, DEFAULT_WATCHDOG, findStuck, purgeCase, watchdogConfigSchema, type WatchdogPolicy } from '@lexbridge/core/ledger';
import { createMapper } from '@lexbridge/core/mapping';
import { pollerKeys, readCheckpoint, readGap } from '@lexbridge/core/poller-state';
import { closeRedis, createRedis, duplicateRedis, keyspaceFor, waitForRedis } from '@lexbridge/infra/redis';
import { caseTypeWarnings, describeDecision, evaluateRules, parseRulesConfig, rulesSectionsOf } from '@lexbridge/core/rules';
import { parse as parseYaml } from 'yaml';
import { describeChecks, DOCTOR_USAGE, runDoctor } from './doctor.js';
import { applySetup, describePlan, planSetup } from './setup.js';


/** The exit codes, as docs/cli.md lists them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unfinished: 3 } as const;

type Env = Record<string, string | undefined>;
type Out = (line: string) => void;

interface Command {
  /** One line for the overview. */
  summary: string;
  /** The command's own help: usage line, options, what it does. */
  help: string;
  run(args: string[], env: Env, out: Out): Promise<number>;
}

const RULES_HELP = `usage: lexbridge rules test FILE.json [--lexamica]

Runs the firm's rules (LEXBRIDGE_CONFIG) over a sample invitation and prints the decision and
which rules matched. Nothing is sent anywhere.

  FILE.json    the invitation, in the firm's field names (read through its invitation mapping)
  --lexamica   FILE.json is in Lexamica's field names instead
`;

const COMMANDS: Record<string, Command> = {
  setup: {
    summary: 'create or update mappings and subscriptions on Lexamica from LEXBRIDGE_CONFIG',
    help: `usage: lexbridge setup [--dry-run]

Creates or updates the mappings and stored-event subscriptions the firm YAML (LEXBRIDGE_CONFIG)
declares, on Lexamica (LEXAMICA_*). Idempotent: a second run changes nothing.

  --dry-run   print the plan, apply nothing
`,
    run: (args, env, out) => setup(args, env, out),
  },
  doctor: {
    summary: 'check the configuration against Lexamica (read-only): the go-live check',
    help: DOCTOR_USAGE,
    run: (args, env, out) => doctor(args, env, out),
  },
  backfill: {
    summary: 're-read a time range of stored events (a running poller does it)',
    help: `usage: lexbridge backfill --from ISO --to ISO [--event NAME] [--no-wait]

Asks the running poller to re-read Lexamica's stored events between --from and --to (ISO 8601)
and enqueue those not yet known; waits for it to finish (at most 10 minutes) unless --no-wait.
Needs REDIS_URL, and a poller running against the same Redis.

  --from ISO     start of the range, e.g. 2026-11-01T00:00:00Z
  --to ISO       end of the range
  --event NAME   only stored events of this name
  --no-wait      enqueue the request and return at once
`,
    run: (args, env, out) => backfill(args, env, out),
  },
  status: {
    summary: 'leader, checkpoint age, queue depths, pending and stuck invitations, failed jobs',
    help: `usage: lexbridge status [--json]

Prints the poller's leader and checkpoint (and whether it is older than Lexamica keeps stored
events), the last gap announced, each queue's depth, pending invitations by expiry and the
invitations stuck past their watchdog deadline. Needs REDIS_URL; reads the watchdog section of
LEXBRIDGE_CONFIG when the file exists.

  --json   the same, as one JSON document
`,
    run: (args, env, out) => status(args, env, out),
  },
  replay: {
    summary: 'retry failed jobs (all queues unless --queue)',
    help: `usage: lexbridge replay [--queue NAME] [--id JOB] [--limit N]

Moves failed jobs back to waiting, so the processor runs them again. Needs REDIS_URL.

  --queue NAME   only this queue (${QUEUE_NAMES.join(', ')})
  --id JOB       only this job id
  --limit N      at most N failed jobs per queue (default 1000)
`,
    run: (args, env, out) => replay(args, env, out),
  },
  purge: {
    summary: 'a deletion request: remove a case\'s records, case link, feed items, finished jobs, uploads and 90-day tracking',
    help: `usage: lexbridge purge --case ID [--by NAME] [--json]

Removes what Lexbridge holds about one case (Lexamica's case id, referral._id): its invitation
records in any state with their indexes and the case link, every feed item and every completed or
failed job that names the case or one of its invitations, the files those jobs uploaded (a failed
send keeps its retainer PDF for a retry), and the 90-day rule's tracking of the case (its last
update, announced due date and end). The CMS feed then gets an admin.action
item with the case id and the counts (no personal data). Jobs naming the case that have not
finished are listed and left to run: exit code 3, purge again once they finish. Needs REDIS_URL.

  --case ID   the Lexamica case id
  --by NAME   who asked, named in the admin.action item (default: $USER)
  --json      the report as one JSON document
`,
    run: (args, env, out) => purge(args, env, out),
  },
  rules: {
    summary: 'rules test FILE.json [--lexamica]: the decision the rules give a sample invitation',
    help: RULES_HELP,
    run: async (args, env, out) => (args[0] === 'test' ? rulesTest(args.slice(1), env, out) : usage(out, `unknown rules command "${args[0] ?? ''}"`, RULES_HELP)),
  },
};

const USAGE = `usage: lexbridge <command> [options]

${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

  lexbridge <command> --help   the command's options
  lexbridge --version          the version
Exit codes: 0 done, 1 failed, 2 wrong command line, 3 unfinished (purge) (docs/cli.md).
`;

/** The version of this command (its package's). */
function cliVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function usage(out: Out, problem: string, help: string): number {
  out(`${problem}\n`);
  out(help);
  return EXIT.usage;
}

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h';

export async function runCli(argv: string[], env: Env, out: Out = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) return usage(out, 'no command given', USAGE);
  if (isHelp(name) || name === 'help') {
    const about = rest[0] !== undefined && Object.hasOwn(COMMANDS, rest[0]) ? COMMANDS[rest[0]] : undefined;
    out(about?.help ?? USAGE);
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    out(`lexbridge ${cliVersion()}`);
    return EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) return usage(out, `unknown command "${name}"`, USAGE);
  if (rest.some(isHelp)) {
    out(command.help);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, env, out);
  } catch (err) {
    // node:util parseArgs: an unknown option, or one without its value.
    if (String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) return usage(out, (err as Error).message, command.help);
    throw err;
  }
}

async function setup(args: string[], env: Record<string, string | undefined>, out: Out): Promise<number> {
  const { values } = parseArgs({ args, options: { 'dry-run': { type: 'boolean', default: false } } });
  const cfg = parseEnv({ ...firmConfigEnv, ...lexamicaEnv, ...receiverEnv }, env);
  const firm = loadFirmConfig(cfg.LEXBRIDGE_CONFIG, firmConfigSchema);
  const client = createLexamicaClient(clientOptionsFromEnv(cfg, firm.profile));
  const plan = await planSetup(client, firm);
  for (const line of describePlan(plan)) out(line);
  if (values['dry-run'] || plan.steps.length === 0) {
    if (values['dry-run'] && plan.steps.length > 0) out('(dry run: nothing applied)');
    return 0;
  }
  const ids = await applySetup(client, plan, cfg.LEXAMICA_WEBHOOK_SECRET ? { webhookSecret: cfg.LEXAMICA_WEBHOOK_SECRET } : {});
  out(`applied ${plan.steps.length} change(s); mapping ids: ${Object.entries(ids).map(([r, id]) => `${r}=${id}`).join(', ')}`);
  return 0;
}

async function doctor(args: string[], env: Record<string, string | undefined>, out: Out): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } });
  const cfg = parseEnv({ ...firmConfigEnv, ...lexamicaEnv }, env);
  const firm = loadFirmConfig(cfg.LEXBRIDGE_CONFIG, firmConfigSchema);
  const client = createLexamicaClient({ ...clientOptionsFromEnv(cfg, firm.profile), retry: { maxRetries: 1 } });
  const checks = await runDoctor(client, firm);
  if (values.json) out(JSON.stringify(checks, null, 2));
  else for (const line of describeChecks(checks)) out(line);
  return checks.some((c) => c.status === 'fail') ? EXIT.failed : EXIT.ok;
}

/** The longest the command line waits for Redis before it gives up with a message naming REDIS_URL. */
const CLI_REDIS_WAIT_MS = 5_000;

/** A connection for a command, once Redis answers: an operator gets an answer, not a hang. */
async function redisFor(env: Record<string, string | undefined>) {
  const cfg = parseEnv(redisEnv, env);
  const settings = redisSettingsFromEnv(cfg);
  const redis = createRedis(settings, 'worker');
  const keyspace = keyspaceFor(settings, cfg.REDIS_PREFIX);
  try {
    await waitForRedis(redis, { timeoutMs: Math.min(CLI_REDIS_WAIT_MS, cfg.REDIS_STARTUP_TIMEOUT_MS), settings, probeKey: keyspace.key('probe') });
  } catch (err) {
    await closeRedis(redis);
    throw err;
  }
  return { redis, keyspace, queues: new QueueSet(redis, keyspace), url: cfg.REDIS_URL };
}

async function backfill(args: string[], env: Record<string, string | undefined>, out: Out): Promise<number> {
  const { values } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' }, event: { type: 'string' }, 'no-wait': { type: 'boolean', default: false } } });
  if (!values.from || !values.to) {
    return usage(out, 'backfill needs --from and --to (ISO 8601, e.g. 2026-11-01T00:00:00Z)', COMMANDS.backfill!.help);
  }
  const { redis, keyspace, queues } = await redisFor(env);
  try {
    const job = await enqueue(queues, 'poller.backfill', { from: new Date(values.from).toISOString(), to: new Date(values.to).toISOString(), requestedBy: 'cli', ...(values.event ? { event: values.event } : {}) });
    out(`backfill requested (job ${job.id}); a running poller carries it out`);
    if (values['no-wait']) return 0;
    const events = new QueueEvents('poller-control', { connection: duplicateRedis(redis), prefix: keyspace.bullPrefix });
    try {
      const result = (await job.waitUntilFinished(events, 10 * 60_000)) as { read: number; enqueued: number; duplicates: number };
      out(`backfill done: read ${result.read}, enqueued ${result.enqueued} new, ${result.duplicates} already known`);
      return 0;
    } finally {
      await events.close();
    }
  } finally {
    await queues.close();
    await closeRedis(redis);
  }
}

/**
 * The watchdog's deadlines from the firm YAML (`watchdog`), or the defaults when there is no YAML
 * where LEXBRIDGE_CONFIG points (status needs only Redis otherwise).
 */
function watchdogPolicy(env: Record<string, string | undefined>): { policy: WatchdogPolicy; from: string } {
  const file = parseEnv(firmConfigEnv, env).LEXBRIDGE_CONFIG;
  if (!existsSync(file)) return { policy: DEFAULT_WATCHDOG, from: 'defaults (no firm YAML at LEXBRIDGE_CONFIG)' };
  const raw = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
  const parsed = watchdogConfigSchema.safeParse(raw?.watchdog);
  if (!parsed.success) throw new Error(`watchdog in ${file}: ${parsed.error.issues.map((i) => `${['watchdog', ...i.path].join('.')}: ${i.message}`).join('; ')}`);
  return { policy: parsed.data, from: file };
}

async function status(args: string[], env: Record<string, string | undefined>, out: Out): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } });
  const watchdog = watchdogPolicy(env);
  const { redis, keyspace, queues } = await redisFor(env);
  try {
    const keys = pollerKeys(keyspace);
    const [leader, checkpoint, gap] = await Promise.all([redis.get(keys.lease), readCheckpoint(redis, keys), readGap(redis, keys)]);
    const { LEXAMICA_RETENTION_MS: retentionMs } = parseEnv({ LEXAMICA_RETENTION_MS: pollEnv.LEXAMICA_RETENTION_MS }, env);
    const queueDepths: Record<string, Record<string, number>> = {};
    for (const name of QUEUE_NAMES) queueDepths[name] = await queues.get(name).getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
    const ledger = createLedger(redis, keyspace);
    const pending = [];
    for (const state of ['manual', 'decided', 'acting', 'received'] as const) {
      const page = await ledger.list({ state, limit: 50 });
      pending.push(...page.items);
    }
    pending.sort((a, b) => a.expires.localeCompare(b.expires));
    const stuck = await findStuck(redis, keyspace, watchdog.policy, new Date());
    const ageSec = checkpoint ? Math.round((Date.now() - checkpoint.watermarkMs) / 1000) : null;
    const report = {
      leader: leader ?? null,
      checkpoint: checkpoint ? new Date(checkpoint.watermarkMs).toISOString() : null,
      checkpointAgeSeconds: ageSec,
      // Events between the checkpoint and Lexamica's retention may be gone unread (LEXAMICA_RETENTION_MS).
      checkpointBeyondRetention: ageSec !== null && ageSec * 1000 > retentionMs,
      lastGap: gap ?? null,
      queues: queueDepths,
      failedJobs: Object.values(queueDepths).reduce((n, q) => n + (q.failed ?? 0), 0),
      pendingInvitations: pending.map((r) => ({ invitationId: r.invitationId, state: r.state, expires: r.expires, caseType: r.caseType })),
      stuckInvitations: stuck.map((s) => ({
        invitationId: s.record.invitationId,
        state: s.record.state,
        since: s.since,
        deadline: s.deadline,
        reason: s.reason,
        ...(s.record.lastError !== undefined && { lastError: s.record.lastError }),
      })),
      watchdog: watchdog.from,
    };
    if (values.json) {
      out(JSON.stringify(report, null, 2));
      return 0;
    }
    out(`leader:      ${report.leader ?? 'none (no poller holds the lease)'}`);
    out(`checkpoint:  ${report.checkpoint ?? 'none yet'}${ageSec === null ? '' : ` (${ageSec}s ago)`}`);
    if (report.checkpointBeyondRetention) out(`  ! the checkpoint is older than Lexamica keeps stored events (${Math.round(retentionMs / 86_400_000)} days): events since it may be gone unread`);
    if (report.lastGap) out(`last gap: ${report.lastGap.reason} (${report.lastGap.detectedAt}): ${report.lastGap.message}`);
    out('queues:      waiting  active  delayed  failed  completed');
    for (const [name, c] of Object.entries(queueDepths)) {
      out(`  ${name.padEnd(20)} ${[c.waiting, c.active, c.delayed, c.failed, c.completed].map((n) => String(n ?? 0).padStart(7)).join(' ')}`);
    }
    out(`pending invitations (soonest expiry first): ${pending.length}`);
    for (const r of report.pendingInvitations.slice(0, 20)) out(`  ${r.expires}  ${r.state.padEnd(8)} ${r.invitationId}  ${r.caseType ?? ''}`);
    out(`stuck invitations: ${stuck.length}${stuck.length ? ' (past their deadline: see docs/operations.md, "What each alert means")' : ''}`);
    for (const s of report.stuckInvitations.slice(0, 20)) out(`  ${s.invitationId}  ${s.state.padEnd(8)} since ${s.since}: ${s.reason}${s.lastError ? ` (last error: ${s.lastError})` : ''}`);
    return 0;
  } finally {
    await queues.close();
    await closeRedis(redis);
  }
}

async function replay(args: string[], env: Record<string, string | undefined>, out: Out): Promise<number> {
  const { values } = parseArgs({ args, options: { queue: { type: 'string' }, id: { type: 'string' }, limit: { type: 'string', default: '1000' } } });
  if (values.queue && !(QUEUE_NAMES as string[]).includes(values.queue)) {
    return usage(out, `unknown queue "${values.queue}"; queues: ${QUEUE_NAMES.join(', ')}`, COMMANDS.replay!.help);
  }
  const { redis, queues } = await redisFor(env);
  try {
    const names = (values.queue ? [values.queue] : QUEUE_NAMES) as QueueName[];
    let retried = 0;
    for (const name of names) {
      const q = queues.get(name);
      const jobs = values.id ? [await q.getJob(values.id)].filter((j) => j !== undefined) : await q.getFailed(0, Number(values.limit) - 1);
      for (const job of jobs) {
        if ((await job.getState()) !== 'failed') continue;
        const reason = job.failedReason;
        await job.retry('failed');
        retried += 1;
        out(`retried ${name}/${job.id} (${reason})`);
      }
    }
    out(`${retried} job(s) retried`);
    return 0;
  } finally {
    await queues.close();
    await closeRedis(redis);
  }
}

async function purge(args: string[], env: Record<string, string | undefined>, out: Out): Promise<number> {
  const { values } = parseArgs({ args, options: { case: { type: 'string' }, by: { type: 'string' }, json: { type: 'boolean', default: false } } });
  if (!values.case?.trim()) {
    return usage(out, 'purge needs --case <Lexamica case id> (referral._id, as the feed and the API name it)', COMMANDS.purge!.help);
  }
  const { redis, keyspace, queues } = await redisFor(env);
  try {
    const feed = createFeed(redis, keyspace);
    const report = await purgeCase({ ledger: createLedger(redis, keyspace, { feed: feed.outbox }), feed, queues, redis, keyspace, by: values.by ?? env.USER ?? 'lexbridge purge' }, values.case.trim());
    if (values.json) out(JSON.stringify(report));
    else {
      out(
        `case ${report.caseId}: ${report.invitations.length} invitation record(s), ${report.feedItems} feed item(s), ${report.jobs} finished job(s), ${report.uploads} uploaded file(s) and ${report.caseActivity} 90-day tracking entr${report.caseActivity === 1 ? 'y' : 'ies'} removed`,
      );
      if (report.pendingJobs.length > 0) out(`${report.pendingJobs.length} unfinished job(s) name the case (${report.pendingJobs.join(', ')}): purge again once they have finished`);
    }
    return report.pendingJobs.length > 0 ? EXIT.unfinished : EXIT.ok;
  } finally {
    await queues.close();
    await closeRedis(redis);
  }
}

async function rulesTest(args: string[], env: Record<string, string | undefined>, out: Out): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { lexamica: { type: 'boolean', default: false } } });
  const file = positionals[0];
  if (!file) {
    return usage(out, 'rules test needs a payload file: lexbridge rules test invitation.json', RULES_HELP);
  }
  const cfg = parseEnv(firmConfigEnv, env);
  const firm = loadFirmConfig(cfg.LEXBRIDGE_CONFIG, firmConfigSchema);
  const raw = parseYaml(readFileSync(cfg.LEXBRIDGE_CONFIG, 'utf8')) as Record<string, unknown>;
  const rules = parseRulesConfig(rulesSectionsOf(raw));
  const payload = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const invitation = values.lexamica ? payload : createMapper(firm.mappings.invitation).toLexamica(payload);
  const decision = evaluateRules(rules, invitation, new Date());
  out(`decision: ${describeDecision(decision)}`);
  for (const t of decision.trace) out(`  ${t.matched ? '✓' : '·'} ${t.rule}`);
  if (decision.rule === null) out('  (no rule matched: the default applies)');
  for (const w of caseTypeWarnings(rules)) out(`warning: ${w.path}: ${w.message}`);
  return 0;
}
