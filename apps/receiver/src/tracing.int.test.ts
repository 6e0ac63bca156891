/**
 * The receiver traces like the other services: each delivery is a server span (continuing a
 * `traceparent` Lexamica sends), active while the delivery is enqueued, so the job carries the trace
 * and the processor's work on the event joins it.
 */
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '@lexbridge/core/jobs';
import { startTracing, type Tracing } from '@lexbridge/infra/tracing';
import { delivery, startTestReceiver, URL_PATH as PATH, type TestReceiver } from '../test/harness.js';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('receiver tracing', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let t: TestReceiver;

  beforeAll(async () => {
    // Tracing first: the receiver's spans go to the tracer that is active when it starts.
    tracing = await startTracing({ service: 'receiver', config: { enabled: true }, exporter, simple: true });
    t = await startTestReceiver('receiver-tracing');
  });
  afterAll(async () => {
    await t.close();
    await tracing.shutdown();
  });

  it('makes each delivery a server span that the job it enqueues carries on', async () => {
    const e = { _id: 'trace-ev-1', event: 'Case Invitation Sent', subscription: 'sub-1', mapping: 'map-1', createdAt: new Date().toISOString(), payload: { id: 'inv-t1' } };
    const res = await t.service.app.inject(delivery(e, { headers: { traceparent: `00-${CALLER_TRACE}-00f067aa0ba902b7-01` } }));
    expect(res.statusCode).toBe(202);
    const job = await t.service.queues.get('invitations').getJob(jobIdFor('ev', e._id));
    const carried = (job?.data as { _trace?: { traceparent?: string } })._trace;
    expect(carried?.traceparent?.split('-')[1]).toBe(CALLER_TRACE);

    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === CALLER_TRACE);
    const server = spans.find((s) => s.name === `POST ${PATH}`);
    expect(server?.attributes).toMatchObject({ 'http.route': PATH, 'http.response.status_code': 202 });
    // The enqueue is the server span's child, and the job's parent is in the same trace.
    expect(spans.filter((s) => s.parentSpanContext?.spanId === server!.spanContext().spanId).map((s) => s.name)).toEqual([expect.stringMatching(/^enqueue/)]);
  });

  it('traces a refused delivery too, with its status', async () => {
    const res = await t.service.app.inject({ ...delivery({ nope: true }), headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(401);
    const refused = exporter.getFinishedSpans().filter((s) => s.name === `POST ${PATH}` && s.attributes['http.response.status_code'] === 401);
    expect(refused).toHaveLength(1);
  });
});
