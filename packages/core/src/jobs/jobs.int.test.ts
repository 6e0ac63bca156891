import { Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestRedis, waitFor } from '@lexbridge/testkit';
import { createLogger } from '@lexbridge/infra/logger';
import { createKeyspace, createRedis } from '@lexbridge/infra/redis';
import { createJobProcessor, enqueue, JobPayloadError, QueueSet, jobIdFor } from './index.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const event = (id: string) => ({ id, event: 'Case Invitation Sent', createdAt: '2026-11-22T10:00:00.000Z', payload: { x: id } });

describe('queues on a real Redis', () => {
  const t = createTestRedis('jobs');
  const connection = createRedis(t.url, 'worker');
  const queues = new QueueSet(connection, createKeyspace(t.prefix), logger);
  afterAll(async () => {
    await queues.close();
    connection.disconnect();
    await t.cleanup();
  });

  it('adds a job once however many times the same id is enqueued', async () => {
    const jobId = jobIdFor('ev', 'evt-1');
    await enqueue(queues, 'invitation.sent', event('evt-1'), { jobId });
    await enqueue(queues, 'invitation.sent', event('evt-1'), { jobId });
    expect(await queues.get('invitations').getJobCountByTypes('waiting')).toBe(1);
    const job = await queues.get('invitations').getJob(jobId);
    expect(job?.opts.attempts).toBe(10);
  });

  it('refuses to enqueue a bad payload and names the field', async () => {
    const err = await enqueue(queues, 'invitation.act', { invitationId: 'i', action: 'maybe', source: 'rules' } as never).catch((e) => e);
    expect(err).toBeInstanceOf(JobPayloadError);
    expect(err.message).toContain('action');
  });

  it('fails a job with a bad payload at once, visibly, with its reason', async () => {
    const q = queues.get('invitation-actions');
    // Written around the catalog (as a foreign producer or an old version might).
    await q.add('invitation.act', { invitationId: 'i1', action: 'maybe' }, { jobId: 'bad-1', attempts: 5 });
    const worker = new Worker('invitation-actions', createJobProcessor('invitation-actions', { 'invitation.act': async () => 'ok' }, logger), {
      connection,
      prefix: queues.keyspace.bullPrefix,
    });
    worker.on('error', () => {});
    try {
      const failed = await waitFor(async () => {
        const j = await q.getJob('bad-1');
        return j?.failedReason ? j : undefined;
      });
      expect(failed.failedReason).toMatch(/invalid payload for job "invitation.act": action/);
      expect(failed.attemptsMade).toBe(1);
      expect(await q.getJobState('bad-1')).toBe('failed');
    } finally {
      await worker.close();
    }
  });
});
