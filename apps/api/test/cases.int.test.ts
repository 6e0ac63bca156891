import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '@lexbridge/core/jobs';
import { createRedis } from '@lexbridge/infra/redis';
import { redisUrl, waitFor } from '@lexbridge/testkit';
import { AUTH, createTestApi, type TestApi } from './harness.js';
import { multipart, pdf } from './multipart.js';

const update = { title: 'Client seen', content: 'First meeting held; documents collected.', date: '2026-11-20T10:00:00Z' };

describe('case status sync routes', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi({ limits: { uploadMaxBytes: 64 * 1024, uploadTtlSec: 3_600 } });
  });
  afterAll(() => t.close());

  const post = (url: string, payload: object, key?: string) =>
    t.app.inject({ method: 'POST', url, payload, headers: { ...AUTH, ...(key && { 'idempotency-key': key }) } });
  const outbound = () => t.queues.get('outbound');

  it('queues an update once and replays the first response to a retry with the same key', async () => {
    const first = await post('/v1/cases/case-1/updates', update, 'upd-1');
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ id: jobIdFor('outbound', 'upd-1'), status: 'queued' });
    const again = await post('/v1/cases/case-1/updates', { ...update }, 'upd-1');
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
    const job = await outbound().getJob(first.json().id);
    // `_trace` carries the request id (and the trace context, when tracing is on) to the job.
    expect(job?.data).toEqual({ idempotencyKey: 'upd-1', kind: 'case-update', body: { caseId: 'case-1', ...update }, _trace: { requestId: first.headers['x-request-id'] } });
    expect(await outbound().getJobCountByTypes('waiting', 'delayed', 'prioritized')).toBe(1);
  });

  it('refuses a key reused for a different request with 422 and queues nothing for it', async () => {
    await post('/v1/cases/case-2/updates', update, 'upd-2');
    const other = await post('/v1/cases/case-2/updates', { ...update, content: 'something else' }, 'upd-2');
    expect(other.statusCode).toBe(422);
    expect(other.json().error).toMatchObject({ code: 'idempotency_key_reused', field: 'idempotency-key' });
    const otherCase = await post('/v1/cases/case-3/updates', update, 'upd-2');
    expect(otherCase.statusCode).toBe(422);
    const otherRoute = await post('/v1/cases/case-2/milestones', { type: 'consult-complete', completedAt: '2026-11-20T10:00:00Z' }, 'upd-2');
    expect(otherRoute.statusCode).toBe(422);
    expect((await outbound().getJob(jobIdFor('outbound', 'upd-2')))?.data.body.content).toBe(update.content);
  });

  it('turns many concurrent requests with one key into exactly one job', async () => {
    const body = { type: 'contact-attempted', attemptedAt: '2026-11-21T09:30:00Z', channel: 'phone' };
    const responses = await Promise.all(Array.from({ length: 20 }, () => post('/v1/cases/case-4/milestones', body, 'ms-concurrent')));
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.every((s) => s === 202 || s === 409), statuses.join(',')).toBe(true);
    expect(responses.filter((r) => r.statusCode === 202 && r.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
    for (const r of responses.filter((x) => x.statusCode === 409)) {
      expect(r.json().error.code).toBe('idempotency_in_progress');
      expect(r.headers['retry-after']).toBe('1');
    }
    const jobs = await outbound().getJobs(['waiting', 'delayed', 'prioritized']);
    expect(jobs.filter((j) => j.data.idempotencyKey === 'ms-concurrent')).toHaveLength(1);
    // Once the first is done, a retry gets its answer.
    const later = await post('/v1/cases/case-4/milestones', body, 'ms-concurrent');
    expect(later.statusCode).toBe(202);
    expect(later.headers['idempotent-replayed']).toBe('true');
  });

  it('queues each JSON milestone with its fields', async () => {
    const milestones = [
      { type: 'consult-complete', completedAt: '2026-11-21T09:30:00Z' },
      { type: 'declined', reason: 'Conflict of interest' },
      { type: 'closed', feeOutcome: 'fee', feeAmount: 12_500, closedAt: '2026-11-22T00:00:00Z' },
      { type: 'closed', feeOutcome: 'no-fee' },
    ];
    for (const [i, m] of milestones.entries()) {
      const res = await post('/v1/cases/case-5/milestones', m, `ms-${i}`);
      expect(res.statusCode, JSON.stringify(m)).toBe(202);
      expect((await outbound().getJob(res.json().id))?.data).toMatchObject({ kind: 'milestone', body: { caseId: 'case-5', ...m } });
    }
    const retainedAsJson = await post('/v1/cases/case-5/milestones', { type: 'retained' }, 'ms-r');
    expect(retainedAsJson.statusCode).toBe(400);
    expect(retainedAsJson.json().error.message).toContain('multipart');
    const feeless = await post('/v1/cases/case-5/milestones', { type: 'closed', feeOutcome: 'no-fee', feeAmount: 3 }, 'ms-f');
    expect(feeless.json().error).toMatchObject({ field: 'feeAmount' });
  });

  it('stores the signed retainer in Redis for the processor and references it in the job', async () => {
    const file = pdf(5_000);
    const form = multipart([
      { name: 'retainedAt', value: '2026-11-22T08:00:00Z' },
      { name: 'retainer', filename: 'retainer.pdf', contentType: 'application/pdf', data: file },
    ]);
    const res = await t.app.inject({ method: 'POST', url: '/v1/cases/case-6/milestones/retained', payload: form.payload, headers: { ...AUTH, ...form.headers, 'idempotency-key': 'ret-1' } });
    expect(res.statusCode, res.body).toBe(202);
    const job = await outbound().getJob(res.json().id);
    expect(job?.data).toMatchObject({ kind: 'milestone', body: { caseId: 'case-6', type: 'retained', retainedAt: '2026-11-22T08:00:00Z' } });
    const ref = job?.data.body.file as { key: string; size: number; contentType: string; filename: string; encoding: string };
    expect(ref).toMatchObject({ size: file.length, contentType: 'application/pdf', filename: 'retainer.pdf', encoding: 'base64' });
    expect(Buffer.from((await t.admin.get(ref.key)) ?? '', 'base64').equals(file)).toBe(true);
    const ttl = await t.admin.ttl(ref.key);
    expect(ttl).toBeGreaterThan(3_500);
    expect(ttl).toBeLessThanOrEqual(3_600);

    // The same upload again is a replay; another file under the key is a conflict.
    const again = await t.app.inject({ method: 'POST', url: '/v1/cases/case-6/milestones/retained', payload: form.payload, headers: { ...AUTH, ...form.headers, 'idempotency-key': 'ret-1' } });
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = multipart([{ name: 'retainer', filename: 'retainer.pdf', contentType: 'application/pdf', data: pdf(5_000) }]);
    const conflict = await t.app.inject({ method: 'POST', url: '/v1/cases/case-6/milestones/retained', payload: other.payload, headers: { ...AUTH, ...other.headers, 'idempotency-key': 'ret-1' } });
    expect(conflict.statusCode).toBe(422);
  });

  it('refuses a retainer that is not a PDF, too large, missing, or not multipart', async () => {
    const send = (parts: Parameters<typeof multipart>[0], key: string) => {
      const form = multipart(parts);
      return t.app.inject({ method: 'POST', url: '/v1/cases/case-7/milestones/retained', payload: form.payload, headers: { ...AUTH, ...form.headers, 'idempotency-key': key } });
    };
    const notPdf = await send([{ name: 'retainer', filename: 'r.pdf', contentType: 'application/pdf', data: Buffer.from('GIF89a not a pdf') }], 'r-1');
    expect(notPdf.statusCode).toBe(415);
    expect(notPdf.json().error).toMatchObject({ code: 'unsupported_media_type', field: 'retainer' });
    const tooBig = await send([{ name: 'retainer', filename: 'r.pdf', contentType: 'application/pdf', data: pdf(65 * 1024) }], 'r-2');
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().error.code).toBe('payload_too_large');
    const missing = await send([{ name: 'retainedAt', value: '2026-11-22T08:00:00Z' }], 'r-3');
    expect(missing.json().error).toMatchObject({ code: 'validation_failed', field: 'retainer' });
    const badField = await send([{ name: 'retainedAt', value: 'yesterday' }, { name: 'retainer', filename: 'r.pdf', contentType: 'application/pdf', data: pdf() }], 'r-4');
    expect(badField.json().error).toMatchObject({ code: 'validation_failed', field: 'retainedAt', in: 'body' });
    const json = await post('/v1/cases/case-7/milestones/retained', { retainer: 'x' }, 'r-5');
    expect(json.statusCode).toBe(415);
    expect(await outbound().getJob(jobIdFor('outbound', 'r-1'))).toBeUndefined();
  });

  it('reports the outcome of outbound work: queued, then sent or failed with the reason', async () => {
    const ok = await post('/v1/cases/case-ok/updates', update, 'out-ok');
    const bad = await post('/v1/cases/case-bad/updates', update, 'out-bad');
    const status = async (id: string) => (await t.app.inject({ method: 'GET', url: `/v1/outbound/${id}`, headers: AUTH })).json();
    expect(await status(ok.json().id)).toMatchObject({ status: 'queued', kind: 'case-update', attempts: 0 });

    const connection = createRedis(redisUrl(), 'worker');
    const worker = new Worker(
      'outbound',
      async (job) => {
        if (job.data.body.caseId === 'case-bad') throw new UnrecoverableError('Lexamica refused the update (400): unknown case');
        return { sent: true };
      },
      { connection, prefix: t.keyspace.bullPrefix },
    );
    worker.on('error', () => {});
    try {
      const sent = await waitFor(async () => ((await status(ok.json().id)).status === 'sent' ? status(ok.json().id) : undefined));
      expect(sent.finishedAt).toBeTruthy();
      const failed = await waitFor(async () => ((await status(bad.json().id)).status === 'failed' ? status(bad.json().id) : undefined));
      expect(failed).toMatchObject({ status: 'failed', attempts: 1, reason: 'Lexamica refused the update (400): unknown case' });
    } finally {
      await worker.close();
      connection.disconnect();
    }
    const unknown = await t.app.inject({ method: 'GET', url: '/v1/outbound/outbound-nope', headers: AUTH });
    expect(unknown.statusCode).toBe(404);
  });
});
