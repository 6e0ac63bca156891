import { describe, expect, it } from 'vitest';
import { enqueue } from '@lexbridge/core/jobs';
import { actJobId } from '@lexbridge/core/ledger';
import { firmInvitation } from '../test/firm.js';
import { createRedis } from '@lexbridge/infra/redis';
import { waitFor } from '@lexbridge/testkit';
import { testFirmConfig } from '../test/firm.js';
import { actionPath, MAPPING_ID, useHarness, type Harness } from '../test/harness.js';
import { createProcessorService } from './service.js';

/**
 * The job once it has completed, read after its state: a job object read earlier is a snapshot
 * taken while it was still active (attemptsMade 0), whatever its state is by the time it is checked.
 */
async function completedJob(h: Harness, queueName: 'invitations' | 'invitation-actions', jobId: string) {
  const queue = h.service.queues.get(queueName);
  return waitFor(async () => ((await queue.getJobState(jobId)) === 'completed' ? queue.getJob(jobId) : undefined), { timeoutMs: 5_000 });
}

describe('processor workers on a real Redis', () => {
  let h: Harness;
  useHarness('workers', { queues: ['invitation-actions'] }, (started) => (h = started));

  async function decide(id: string) {
    const expires = new Date(Date.now() + 3_600_000).toISOString();
    await h.ctx.ledger.receive({ invitationId: id, eventId: `ev-${id}`, mappingId: MAPPING_ID, expires });
    const r = await h.ctx.ledger.decide(id, { action: 'accept', rule: 'r', trace: [], source: 'rules', decidedAt: new Date().toISOString() }, 'decided');
    await enqueue(h.service.queues, 'invitation.act', { invitationId: id, action: 'accept', source: 'rules' }, { jobId: actJobId(r) });
    return r;
  }

  it('pauses the queue for Retry-After on a 429 without using up an attempt, then sends', async () => {
    const times: number[] = [];
    let n = 0;
    h.server.otherwise((req) => {
      if (req.path !== actionPath('p1', 'accept')) return { status: 404, body: {} };
      times.push(Date.now());
      return ++n === 1 ? { status: 429, headers: { 'retry-after': '1' }, body: {} } : { status: 200, body: {} };
    });
    const r = await decide('p1');
    await h.service.start();
    try {
      await waitFor(async () => (await h.ctx.ledger.get('p1'))?.state === 'done', { timeoutMs: 10_000 });
      // The ledger is done inside the handler; the job completes just after it returns.
      expect((await completedJob(h, 'invitation-actions', actJobId(r))).attemptsMade).toBe(1);
      expect(times).toHaveLength(2);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900);
      expect((await h.ctx.ledger.get('p1'))?.history.map((x) => x.state)).toEqual(['received', 'decided', 'acting', 'decided', 'acting', 'done']);
    } finally {
      await h.service.close();
    }
  });

  it('runs the same action once when two processors share the queue', async () => {
    h.server.otherwise(() => ({ status: 200, body: {} }));
    const ids = Array.from({ length: 30 }, (_, i) => `two-${i}`);
    for (const id of ids) await decide(id);
    // A second processor on its own connection and the same key prefix: the same queues and ledger.
    const connection = createRedis(h.redis.url, 'worker');
    const second = createProcessorService({
      redis: connection,
      keyspace: h.service.queues.keyspace,
      client: h.ctx.client,
      firm: testFirmConfig(),
      logger: h.ctx.logger,
      expirySafetyMs: 1_000,
      queues: ['invitation-actions'],
    });
    await Promise.all([h.service.start(), second.start()]);
    try {
      await waitFor(async () => {
        const states = await Promise.all(ids.map((id) => h.ctx.ledger.get(id)));
        return states.every((s) => s?.state === 'done');
      }, { timeoutMs: 15_000 });
      for (const id of ids) expect(h.server.requests.filter((q) => q.path === actionPath(id, 'accept'))).toHaveLength(1);
    } finally {
      await Promise.all([h.service.close(), second.close()]);
      connection.disconnect();
    }
  });
});

describe('the invitations queue sending the rules’ actions', () => {
  let h: Harness;
  useHarness('workers-sent', { queues: ['invitations'], autoPipelining: true }, (started) => (h = started));

  it('decides and sends in one job, pausing the invitations queue for Retry-After on a 429 without using up an attempt', async () => {
    const times: number[] = [];
    let n = 0;
    h.server.otherwise((req) => {
      if (req.path !== actionPath('s1', 'accept')) return { status: 404, body: {} };
      times.push(Date.now());
      return ++n === 1 ? { status: 429, headers: { 'retry-after': '1' }, body: {} } : { status: 200, body: {} };
    });
    const expires = new Date(Date.now() + 3_600_000).toISOString();
    const event = { id: 'ev-s1', event: 'Case Invitation Sent', createdAt: new Date().toISOString(), mappingId: MAPPING_ID, payload: firmInvitation({ id: 's1', caseType: 'Motor Vehicle Accident', expires }) };
    await enqueue(h.service.queues, 'invitation.sent', event, { jobId: 'sent-s1' });
    await h.service.start();
    try {
      await waitFor(async () => (await h.ctx.ledger.get('s1'))?.state === 'done', { timeoutMs: 10_000 });
      expect((await completedJob(h, 'invitations', 'sent-s1')).attemptsMade).toBe(1);
      expect(times).toHaveLength(2);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900);
      expect((await h.ctx.ledger.get('s1'))?.history.map((x) => x.state)).toEqual(['received', 'decided', 'acting', 'decided', 'acting', 'done']);
      expect(await h.service.queues.get('invitation-actions').getJobCounts('waiting', 'delayed')).toEqual({ waiting: 0, delayed: 0 });
    } finally {
      await h.service.close();
    }
  });
});
