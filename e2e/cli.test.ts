import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCli } from '@lexbridge/cli';
import { pollerKeys } from '@lexbridge/core/poller-state';
import { QueueSet } from '@lexbridge/core/jobs';
import { createFeed } from '@lexbridge/core/feed';
import { caseActivityKeys, createLedger } from '@lexbridge/core/ledger';
import { createKeyspace, createRedis, type RedisClient } from '@lexbridge/infra/redis';
import { deleteKeys, freePort, redisUrl, uniquePrefix, waitFor } from '@lexbridge/testkit';
import { UnrecoverableError, Worker, type Queue } from 'bullmq';
import { buildSandbox, type Sandbox } from '@lexbridge/sandbox';
import { EXAMPLE_CONFIG, exampleConfigWith } from './harness.js';

/**
 * Fails every job of `queue` for good (`reason`) until `count` have failed. A worker error (a broken
 * connection) is the waiting's last error, so a timeout says why instead of only timing out.
 */
async function failJobs(queue: Queue, count: number, o: { connection: RedisClient; bullPrefix: string; reason: string }): Promise<void> {
  const errors: Error[] = [];
  const worker = new Worker(queue.name, async () => {
    throw new UnrecoverableError(o.reason);
  }, { connection: o.connection, prefix: o.bullPrefix });
  worker.on('error', (err) => errors.push(err));
  try {
    await waitFor(async () => {
      if ((await queue.getJobCountByTypes('failed')) === count) return true;
      if (errors.length > 0) throw errors.at(-1)!;
      return false;
    }, { message: `${count} ${queue.name} job(s) failed` });
  } finally {
    await worker.close();
  }
}

describe('the lexbridge command line', () => {
  let sandbox: Sandbox;
  let env: Record<string, string>;
  const prefix = uniquePrefix('cli');
  const redis = createRedis(redisUrl(), 'worker');
  const queues = new QueueSet(redis, createKeyspace(prefix));

  async function run(...argv: string[]) {
    const lines: string[] = [];
    const code = await runCli(argv, env, (l) => lines.push(l));
    return { code, out: lines.join('\n') };
  }

  beforeAll(async () => {
    sandbox = await buildSandbox({ seed: 11 });
    const baseUrl = await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
    const { org } = sandbox.state;
    env = {
      REDIS_URL: redisUrl(),
      REDIS_PREFIX: prefix,
      LEXBRIDGE_CONFIG: EXAMPLE_CONFIG,
      LEXAMICA_BASE_URL: baseUrl,
      LEXAMICA_ORG_ID: org.id,
      LEXAMICA_PUBLIC_KEY: org.publicKey,
      LEXAMICA_PRIVATE_KEY: org.privateKey,
    };
  });
  afterAll(async () => {
    await sandbox.close();
    await queues.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('setup --dry-run prints the plan and changes nothing; setup applies it; a second setup finds nothing to do', async () => {
    const dry = await run('setup', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('create mapping "Lexbridge case invitations"');
    expect(dry.out).toContain('(dry run: nothing applied)');
    expect(sandbox.state.stats().events.stored).toBe(0);
    const applied = await run('setup');
    expect(applied.out).toMatch(/applied \d+ change\(s\); mapping ids: invitation=/);
    const again = await run('setup');
    expect(again.out).toContain('nothing to change');
  });

  it('rules test prints the decision and the rule that fired for a sample invitation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lexbridge-cli-'));
    const config = join(dir, 'lexbridge.yaml');
    writeFileSync(
      config,
      exampleConfigWith(`
rules:
  - name: decline-out-of-area
    when: { not: { field: referral.incident.state, in: [CA, NV] } }
    then: { action: decline, reason: Outside our practice area }
  - name: accept-employment
    when: { field: referral.caseType, equals: Employment }
    then: accept
`),
    );
    const payload = join(dir, 'invitation.json');
    writeFileSync(payload, JSON.stringify({ invitation_id: 'i1', matter_type: 'Employment', incident: { us_state: 'CA' } }));
    const r = await runCli(['rules', 'test', payload], { ...env, LEXBRIDGE_CONFIG: config }, () => {});
    expect(r).toBe(0);
    const lines: string[] = [];
    await runCli(['rules', 'test', payload], { ...env, LEXBRIDGE_CONFIG: config }, (l) => lines.push(l));
    expect(lines[0]).toMatch(/accept by rule 'accept-employment'/);
    expect(lines).toContain('  · decline-out-of-area');
    expect(lines).toContain('  ✓ accept-employment');
  });

  it('status reports queues and the checkpoint as JSON', async () => {
    const r = await run('status', '--json');
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ leader: null, checkpoint: null, failedJobs: 0 });
    expect(Object.keys(report.queues)).toContain('invitations');
  });

  // Issue 16, item 4: a record stuck in `acting` showed nowhere an operator looks.
  it('status lists invitations stuck past their deadline, with the reason and the last error', async () => {
    const longAgo = new Date(Date.now() - 2 * 3_600_000);
    const ledger = createLedger(redis, createKeyspace(prefix), { now: () => longAgo });
    await ledger.receive({ invitationId: 'stuck-1', eventId: 'ev-stuck-1', caseType: 'Employment', expires: new Date(Date.now() + 86_400_000).toISOString() });
    await ledger.decide('stuck-1', { action: 'accept', rule: null, trace: [], source: 'manual', decidedAt: longAgo.toISOString() }, 'decided');
    await ledger.beginAct('stuck-1');
    await ledger.update('stuck-1', (r) => ({ from: [r.state], to: r.state, patch: { lastError: 'configuration problem: invitations.get answered HTTP 401' } }));
    const report = JSON.parse((await run('status', '--json')).out);
    expect(report.stuckInvitations).toEqual([expect.objectContaining({ invitationId: 'stuck-1', state: 'acting', lastError: expect.stringContaining('HTTP 401') })]);
    expect(report.stuckInvitations[0].reason).toMatch(/acting for 2h/);
    const text = (await run('status')).out;
    expect(text).toMatch(/stuck invitations: 1/);
    expect(text).toContain('stuck-1');
  });

  it('purge --case removes the case from the ledger and the feed, and the feed tells the CMS with ids only', async () => {
    const keyspace = createKeyspace(prefix);
    const feed = createFeed(redis, keyspace);
    const ledger = createLedger(redis, keyspace, { feed: feed.outbox });
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    await ledger.receive({ invitationId: 'purge-inv', eventId: 'ev-purge', caseId: 'purge-case', sentAt: new Date().toISOString(), expires }, undefined, {
      announce: (r) => ({ id: `decided:${r.invitationId}`, type: 'invitation.decided', occurredAt: r.createdAt, data: { invitationId: r.invitationId, caseId: 'purge-case' } }),
    });
    expect(await run('purge')).toMatchObject({ code: 2, out: expect.stringMatching(/purge needs --case/) });
    const { code, out } = await run('purge', '--case', 'purge-case', '--by', 'dpo', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ caseId: 'purge-case', invitations: ['purge-inv'], feedItems: 1, pendingJobs: [] });
    expect(await ledger.get('purge-inv')).toBeUndefined();
    expect(await feed.get('decided:purge-inv')).toBeUndefined();
    const items = (await feed.read(undefined, 1_000)).items.filter((i) => i.type === 'admin.action');
    expect(items.at(-1)?.data).toMatchObject({ action: 'purge-case', by: 'dpo', caseId: 'purge-case', invitations: 1, feedItems: 1 });
  });

  // Closing note, gap 2: purge left the case's 90-day tracking and a failed send's retainer upload
  // behind, and its exit code 3 (jobs naming the case still to run) was never exercised.
  it("purge --case also forgets the case's 90-day tracking and stored uploads, and exits 3 while a job naming it has not finished", async () => {
    const keyspace = createKeyspace(prefix);
    const feed = createFeed(redis, keyspace);
    const activity = caseActivityKeys(keyspace);
    await redis.zadd(activity.lastUpdate, 1_000, 'purge-2', 2_000, 'other-case');
    await redis.hset(activity.announced, 'purge-2', '2026-12-01T00:00:00.000Z', 'other-case', '2026-12-02T00:00:00.000Z');
    await redis.hset(activity.ended, 'purge-2', 'inv-ended', 'other-case', 'inv-other');
    const upload = (jobId: string) => ({
      key: keyspace.key('upload', jobId),
      encoding: 'base64',
      filename: 'retainer-of-ada.pdf',
      contentType: 'application/pdf',
      size: 3,
      sha256: '0'.repeat(64),
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const milestone = (jobId: string) => ({ idempotencyKey: `key-${jobId}`, kind: 'milestone', body: { caseId: 'purge-2', type: 'retained', file: upload(jobId) } });
    for (const jobId of ['out-failed', 'out-wait']) await redis.set(keyspace.key('upload', jobId), Buffer.from('pdf').toString('base64'));

    // A send that failed for good keeps its upload for a manual retry; the purge must take both.
    const q = queues.get('outbound');
    await q.add('outbound.send', milestone('out-failed'), { jobId: 'out-failed', attempts: 1 });
    await failJobs(q, 1, { connection: redis, bullPrefix: keyspace.bullPrefix, reason: 'refused' });
    // One still waiting: it is left to run, with its upload, and the purge exits 3.
    await q.add('outbound.send', milestone('out-wait'), { jobId: 'out-wait' });

    const first = await run('purge', '--case', 'purge-2', '--by', 'dpo', '--json');
    expect(first.code).toBe(EXIT.unfinished);
    expect(first.code).toBe(3);
    expect(JSON.parse(first.out)).toMatchObject({ caseId: 'purge-2', jobs: 1, uploads: 1, caseActivity: 3, pendingJobs: ['outbound/out-wait'] });
    expect(await q.getJob('out-failed')).toBeUndefined();
    expect(await redis.exists(keyspace.key('upload', 'out-failed'))).toBe(0);
    expect(await redis.exists(keyspace.key('upload', 'out-wait'))).toBe(1);
    expect(await redis.zscore(activity.lastUpdate, 'purge-2')).toBeNull();
    expect(await redis.hget(activity.announced, 'purge-2')).toBeNull();
    expect(await redis.hget(activity.ended, 'purge-2')).toBeNull();
    // Another case's tracking stays.
    expect(await redis.zscore(activity.lastUpdate, 'other-case')).toBe('2000');
    expect(await redis.hget(activity.announced, 'other-case')).toBe('2026-12-02T00:00:00.000Z');
    expect(await redis.hget(activity.ended, 'other-case')).toBe('inv-other');
    const text = await run('purge', '--case', 'purge-2', '--by', 'dpo');
    expect(text.code).toBe(3);
    expect(text.out).toMatch(/1 unfinished job\(s\) name the case \(outbound\/out-wait\): purge again once they have finished/);

    // The CMS hears of it with ids and counts only: no file name, upload key or job id.
    const items = (await feed.read(undefined, 1_000)).items.filter((i) => i.type === 'admin.action' && (i.data as { caseId?: string }).caseId === 'purge-2');
    expect(items[0]!.data).toEqual({ action: 'purge-case', by: 'dpo', caseId: 'purge-2', invitations: 0, feedItems: 0, jobs: 1, uploads: 1, caseActivity: 3, pendingJobs: 1 });
    expect(JSON.stringify(items)).not.toMatch(/retainer-of-ada|:upload:|out-failed|out-wait|inv-ended/);

    // Once the job has run (here it fails for good, keeping its upload), the purge finishes: exit 0.
    await failJobs(q, 1, { connection: redis, bullPrefix: keyspace.bullPrefix, reason: 'refused' });
    const last = await run('purge', '--case', 'purge-2', '--by', 'dpo', '--json');
    expect(last.code).toBe(EXIT.ok);
    expect(JSON.parse(last.out)).toMatchObject({ jobs: 1, uploads: 1, pendingJobs: [] });
    expect(await redis.exists(keyspace.key('upload', 'out-wait'))).toBe(0);
  });

  // Issue 16, item 9: a checkpoint older than Lexamica's retention went unnoticed.
  it('status says when the checkpoint is older than Lexamica keeps events, and shows the last gap announced', async () => {
    const keys = pollerKeys(createKeyspace(prefix));
    const old = Date.now() - 40 * 86_400_000;
    await redis.hset(keys.checkpoint, { watermarkMs: String(old), watermark: new Date(old).toISOString() });
    await redis.hset(keys.gap, { reason: 'first-start', from: '', to: '2026-11-15T12:00:00.000Z', detectedAt: '2026-11-22T12:00:00.000Z', message: 'first start: stored events are read from 2026-11-15T12:00:00.000Z' });
    try {
      const report = JSON.parse((await run('status', '--json')).out);
      expect(report.checkpointBeyondRetention).toBe(true);
      expect(report.lastGap).toMatchObject({ reason: 'first-start', to: '2026-11-15T12:00:00.000Z' });
      const text = (await run('status')).out;
      expect(text).toMatch(/older than Lexamica keeps stored events/);
      expect(text).toMatch(/last gap: first-start/);
    } finally {
      await redis.del(keys.checkpoint, keys.gap);
    }
  });

  // Issue 16, item 6: with Redis down, `status` hung with no message.
  it('status fails fast with a message naming REDIS_URL when Redis is not there', async () => {
    const url = `redis://:cli-secret-pass@127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const outcome = await Promise.race([
      runCli(['status'], { ...env, REDIS_URL: url }, () => {}).then((code) => `exited ${code}`, (err: Error) => err.message),
      new Promise<string>((res) => setTimeout(() => res('still waiting after 20 s'), 20_000)),
    ]);
    expect(outcome).toMatch(/REDIS_URL/);
    expect(outcome).not.toContain('cli-secret-pass');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('backfill --no-wait enqueues a request for the poller; replay retries failed jobs', async () => {
    const b = await run('backfill', '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-02T00:00:00Z', '--no-wait');
    expect(b.out).toMatch(/backfill requested/);
    expect(await queues.get('poller-control').getJobCountByTypes('waiting')).toBe(1);
    expect((await run('backfill')).code).toBe(2);

    const q = queues.get('quarantine');
    await q.add('stored-event.quarantine', { reason: 'x', raw: {}, receivedAt: new Date().toISOString() }, { attempts: 1 });
    await failJobs(q, 1, { connection: redis, bullPrefix: createKeyspace(prefix).bullPrefix, reason: 'malformed' });
    const r = await run('replay', '--queue', 'quarantine');
    expect(r.out).toMatch(/retried quarantine\/\S+ \(malformed\)/);
    expect(r.out).toMatch(/1 job\(s\) retried/);
    expect(await q.getJobCountByTypes('waiting')).toBe(1);
    expect((await run('replay', '--queue', 'nope')).code).toBe(2);
  });

  // Issue 23: `lexbridge setup --help` was an error; no --version; exit codes undocumented (docs/cli.md).
  it('answers --help for every command with its own usage, and help alone with the list', async () => {
    for (const command of ['setup', 'doctor', 'backfill', 'status', 'replay', 'rules']) {
      const r = await run(command, '--help');
      expect(r.code, command).toBe(EXIT.ok);
      expect(r.out, command).toMatch(new RegExp(`^usage: lexbridge ${command}\\b`));
      expect((await run('help', command)).out, command).toBe(r.out);
    }
    expect((await run('rules', 'test', '-h')).out).toMatch(/^usage: lexbridge rules test FILE\.json/);
    const all = await run('--help');
    expect(all.code).toBe(EXIT.ok);
    for (const command of ['setup', 'doctor', 'backfill', 'status', 'replay', 'rules']) expect(all.out).toMatch(new RegExp(`^ {2}${command} `, 'm'));
  });

  it('prints its version, the version of its package', async () => {
    const { version } = JSON.parse(readFileSync(fileURLToPath(new URL('../apps/cli/package.json', import.meta.url)), 'utf8')) as { version: string };
    expect(await run('--version')).toEqual({ code: EXIT.ok, out: `lexbridge ${version}` });
  });

  it('exits 2 on a wrong command line, showing what is wrong and the usage', async () => {
    const unknown = await run('stauts');
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.out).toMatch(/^unknown command "stauts"/);
    const option = await run('status', '--jsn');
    expect(option.code).toBe(EXIT.usage);
    expect(option.out).toContain("'--jsn'");
    expect(option.out).toContain('usage: lexbridge status [--json]');
    expect((await run()).code).toBe(EXIT.usage);
    expect((await run('rules', 'tset')).code).toBe(EXIT.usage);
  });

  it('as a process: exits 0 on --version, and 1 with the problem alone (no stack) on a bad setting', async () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const lexbridge = (args: string[], childEnv: Record<string, string>) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['scripts/run-ts.mjs', 'apps/cli/src/lexbridge.ts', ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...childEnv } }, (err, stdout, stderr) =>
          resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
        );
      });
    const [version, bad] = await Promise.all([lexbridge(['--version'], {}), lexbridge(['setup', '--dry-run'], { LEXBRIDGE_CONFIG: EXAMPLE_CONFIG })]);
    expect(version.code, version.stderr).toBe(EXIT.ok);
    expect(version.stdout).toMatch(/^lexbridge \d+\.\d+\.\d+\n$/);
    expect(bad.code, bad.stderr).toBe(EXIT.failed);
    expect(bad.stderr).toMatch(/^Invalid configuration:\n {2}- LEXAMICA_BASE_URL: /);
    expect(bad.stderr).not.toMatch(/^ {4}at /m);
  }, 60_000);
});
