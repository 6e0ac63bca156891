/**
 * The processor end to end: the sandbox (Lexamica), the real poller feeding the queues, and one or
 * two processors deciding by the firm's rules and answering. Asserts on what the sandbox received.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPollerService } from '@lexbridge/poller';
import { createProcessorService, processorFirmConfigSchema, rulesOf, type ProcessorFirmConfig, type ProcessorHooks, type ProcessorService } from '@lexbridge/processor';
import type { ActionEntry } from '@lexbridge/sandbox';
import { parseFirmConfig, personalDataPolicy } from '@lexbridge/core/firm-config';
import type { LedgerRecord } from '@lexbridge/core/ledger';
import { createLogger } from '@lexbridge/infra/logger';
import { createKeyspace, createRedis } from '@lexbridge/infra/redis';
import { evaluateRules } from '@lexbridge/core/rules';
import { redisUrl, scratchPrefix, waitFor } from '@lexbridge/testkit';
import { exampleConfigWith, startSandbox, type RunningSandbox, FAST_POLLER_TIMING } from './harness.js';

const logger = createLogger({ name: 'e2e-processor', level: 'silent' });
const MVA_LIMIT = 25;
const RULES = `
shadow: false
rules:
  - name: decline-outside-service-area
    when: { field: referral.incident.state, in: [FL, NY, PA, GA, NC, MI, OH] }
    then: { action: decline, reason: outside our service area }
  - name: accept-mva
    when:
      all:
        - { field: referral.caseType, equals: Motor Vehicle Accident }
        - { field: referral.estimatedValue, gte: 25000 }
    then: accept
  - name: evaluate-medmal
    when: { field: referral.caseType, equals: Medical Malpractice }
    then: evaluate
  - name: accept-employment
    when: { field: referral.caseType, equals: Employment }
    then: accept
default: { action: manual, note: a lawyer decides }
capacity:
  - { caseType: Motor Vehicle Accident, maxAcceptsPerDay: ${MVA_LIMIT} }
expiryGuard:
  manual: { before: 30m, do: alert }
  evaluate: { before: 30m, do: alert }
`;
const timing = FAST_POLLER_TIMING;
// Short locks, so a job whose processor died is taken over within about a second.
const workerOptions = { lockDuration: 1_000, stalledInterval: 500 };
const NO_FAULTS = { serverError: { rate: 0 }, rateLimit: { rate: 0 }, latency: { rate: 0 }, reset: { rate: 0 } };
const UNFINISHED: readonly string[] = ['received', 'decided', 'acting'];

function firmConfig(extra = ''): ProcessorFirmConfig {
  return parseFirmConfig(exampleConfigWith(RULES, extra), 'e2e.yaml', processorFirmConfigSchema);
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

let env: RunningSandbox;
beforeAll(async () => {
  env = await startSandbox();
});
afterAll(() => env.close());
afterEach(() => {
  env.sandbox.scenario.reset({ expiryMs: { min: 24 * 3_600_000, max: 48 * 3_600_000 } });
  env.sandbox.state.faults.update(NO_FAULTS);
});

/** A fresh key prefix, deleted after the test. */
function usePrefix(): string {
  const { prefix, cleanup } = scratchPrefix('e2e-proc');
  cleanups.push(cleanup);
  return prefix;
}

function startPoller(prefix: string) {
  const redis = createRedis(redisUrl(), 'worker');
  const service = createPollerService({ client: env.client, redis, redisPrefix: prefix, logger, timing, personalData: personalDataPolicy(env.firm) });
  service.start();
  cleanups.push(async () => {
    await service.close();
    redis.disconnect();
  });
  return service;
}

/** A processor in-process, on its own connection; closed after the test unless the test closes it. */
async function startProcessor(prefix: string, firm: ProcessorFirmConfig, hooks?: ProcessorHooks): Promise<ProcessorService> {
  const redis = createRedis(redisUrl(), 'worker');
  const service = createProcessorService({
    redis,
    keyspace: createKeyspace(prefix),
    client: env.client,
    firm,
    logger,
    expirySafetyMs: 300,
    workerOptions,
    ...(hooks && { hooks }),
  });
  let closed = false;
  const close = service.close.bind(service);
  service.close = async (opts) => {
    if (closed) return;
    closed = true;
    await close(opts);
  };
  cleanups.push(async () => {
    await service.close();
    redis.disconnect();
  });
  await service.start();
  return service;
}

const actionsFor = (id: string): ActionEntry[] => env.sandbox.state.actions.filter((a) => a.invitationId === id);

/** Waits until every invitation the sandbox sent has a ledger record that is no longer in progress. */
async function allSettled(p: ProcessorService, done: (r: LedgerRecord) => boolean = (r) => !UNFINISHED.includes(r.state), timeoutMs = 60_000) {
  const ids = env.sandbox.state.invitations.list().map((r) => r.doc._id);
  return waitFor(
    async () => {
      const records = await Promise.all(ids.map((id) => p.ledger.get(id)));
      const actions = await p.queues.get('invitation-actions').getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      const pending = Object.values(actions).reduce((a, b) => a + b, 0);
      return records.every((r) => r !== undefined && done(r)) && pending === 0 ? (records as LedgerRecord[]) : undefined;
    },
    { timeoutMs, intervalMs: 100, message: 'every invitation settled in the ledger' },
  );
}

describe('processor against the sandbox', () => {
  it('answers a few hundred invitations exactly once, as the rules say, with two processors and a faulty Lexamica', async () => {
    const prefix = usePrefix();
    const firm = firmConfig();
    const docs = env.sandbox.scenario.generate(300).map((r) => ({ ...r.doc }));
    env.sandbox.state.faults.update({
      serverError: { rate: 0.03 },
      rateLimit: { rate: 0.01, retryAfterSec: 1 },
      reset: { rate: 0.02 },
      latency: { rate: 0.2, minMs: 5, maxMs: 40 },
    });
    startPoller(prefix);
    const a = await startProcessor(prefix, firm);
    await startProcessor(prefix, firm);

    const records = await allSettled(a, undefined, 90_000);
    env.sandbox.state.faults.update(NO_FAULTS);
    const byId = new Map(records.map((r) => [r.invitationId, r]));
    const stats = env.sandbox.state.stats();
    expect(stats.actions.duplicate).toBe(0);
    expect(stats.actions.afterExpiry).toBe(0);
    // The faults did happen: server errors, resets and rate limits were survived, not avoided.
    const faults = env.sandbox.state.faults.counts().byKind;
    expect(faults['5xx']).toBeGreaterThan(0);
    expect(faults.reset).toBeGreaterThan(0);

    const now = new Date();
    const expected = { accept: 0, decline: 0, evaluate: 0, manual: 0 };
    let mvaEligible = 0;
    let mvaAccepted = 0;
    for (const doc of docs) {
      const want = evaluateRules(rulesOf(firm), doc as unknown as Record<string, unknown>, now);
      const r = byId.get(doc._id)!;
      const ok = actionsFor(doc._id).filter((x) => x.outcome === 'ok');
      const status = env.sandbox.state.invitations.list().find((x) => x.doc._id === doc._id)!.doc.status;
      expect(r.decision?.rule ?? null, doc._id).toBe(want.rule);
      expected[want.action] += 1;
      if (want.rule === 'accept-mva') {
        mvaEligible += 1;
        if (r.decision?.action === 'accept') mvaAccepted += 1;
        else expect(r).toMatchObject({ state: 'manual', decision: { action: 'manual', note: 'capacity reached' } });
      }
      const sent = r.decision?.action;
      if (sent === 'accept' || sent === 'decline') {
        expect(ok.map((x) => x.action), doc._id).toEqual([sent]);
        expect(status).toBe(sent === 'accept' ? 'accepted' : 'declined');
        expect(r.state).toBe('done');
      } else if (sent === 'evaluate') {
        expect(ok.map((x) => x.action), doc._id).toEqual(['evaluate']);
        expect(r).toMatchObject({ state: 'manual', lexamicaStatus: 'evaluating' });
      } else {
        expect(ok, doc._id).toEqual([]);
        expect(status).toBe('open');
        expect(r.state).toBe('manual');
      }
    }
    // Capacity held across both processors: exactly the limit was accepted.
    expect(mvaAccepted).toBe(Math.min(MVA_LIMIT, mvaEligible));
    // A mixed run: every kind of decision happened.
    expect(Object.values(expected).every((n) => n > 0), JSON.stringify(expected)).toBe(true);
    // Each decision was announced to the CMS once.
    const feed = await a.feed.read(undefined, 1_000);
    expect(feed.items.filter((i) => i.type === 'invitation.decided')).toHaveLength(300);
  });

  it('answers exactly once when a processor dies after Lexamica took the answer but before the ledger recorded it', async () => {
    const prefix = usePrefix();
    const firm = firmConfig();
    env.sandbox.scenario.generate(30);
    let crashed: LedgerRecord | undefined;
    // The first action sent hangs its job forever, as a process killed at that instant would.
    const first = await startProcessor(prefix, firm, {
      afterActionSent: (r) => {
        if (crashed) return undefined;
        crashed = r;
        return new Promise<void>(() => {});
      },
    });
    startPoller(prefix);
    const victim = await waitFor(() => crashed, { timeoutMs: 20_000 });
    await first.close({ force: true });
    expect((await first.ledger.get(victim.invitationId))?.state).toBe('acting');
    expect(actionsFor(victim.invitationId).filter((x) => x.outcome === 'ok')).toHaveLength(1);

    const second = await startProcessor(prefix, firm);
    await allSettled(second);
    const after = await second.ledger.get(victim.invitationId);
    expect(after).toMatchObject({ state: expect.stringMatching(/^(done|manual)$/) });
    expect(after?.history.some((h) => h.note === 'confirmed by Lexamica')).toBe(true);
    expect(actionsFor(victim.invitationId)).toHaveLength(1);
    expect(env.sandbox.state.stats().actions.duplicate).toBe(0);
  });

  it('sends nothing in shadow mode, yet records and announces every decision', async () => {
    const prefix = usePrefix();
    env.sandbox.scenario.generate(40);
    startPoller(prefix);
    const p = await startProcessor(prefix, firmConfig('shadow: true'));
    await allSettled(p, (r) => r.state === 'shadow');
    expect(env.sandbox.state.stats().actions.total).toBe(0);
    const decided = (await p.feed.read(undefined, 1_000)).items.filter((i) => i.type === 'invitation.decided');
    expect(decided).toHaveLength(40);
    expect(decided.every((i) => i.data.shadow === true)).toBe(true);
  });

  it('never acts on an invitation that expired before the processor got to it', async () => {
    const prefix = usePrefix();
    env.sandbox.scenario.reset({ expiryMs: { min: 1_000, max: 1_500 } });
    env.sandbox.scenario.generate(20);
    startPoller(prefix);
    await waitFor(() => env.sandbox.state.stats().invitations.byStatus.expired === 20, { timeoutMs: 10_000 });
    const p = await startProcessor(prefix, firmConfig());
    const records = await allSettled(p);
    expect(records.every((r) => r.state === 'expired')).toBe(true);
    expect(env.sandbox.state.stats().actions.total).toBe(0);
  });
});
