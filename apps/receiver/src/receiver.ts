/**
 * The webhook receiver's public surface, built (never listening): one POST route taking Lexamica's
 * deliveries and `GET /health`. Nothing else of Lexbridge is reachable through it. A delivery is
 * verified (signature, timestamp tolerance, size, shape), claimed against the poller through the
 * shared intake, enqueued as the same job a polled event becomes, and answered at once. Each
 * delivery is a server span (continuing a `traceparent` it carries), active while it is enqueued,
 * so the job carries the trace on to the processor.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { WebhookReader, WebhookRejection } from '@lexbridge/lexamica-client';
import { enqueueMany, formatIssues, jobForEvent, storedEventJobSchema, type QueueSet, type RoutedEventNames } from '@lexbridge/core/jobs';
import type { PersonalDataPolicy } from '@lexbridge/core/firm-config';
import { stamped, storedEventItems, type SeenStore } from '@lexbridge/core/intake';
import type { Logger } from '@lexbridge/infra/logger';
import { serverSpan } from '@lexbridge/infra/tracing';
import type { ReceiverMetrics } from './metrics.js';

/** Every reason a delivery is refused, with its status. */
export type RejectionReason = WebhookRejection | 'too-large' | 'unsupported-media-type' | 'unavailable';

export const REJECTION_STATUS: Readonly<Record<RejectionReason, number>> = {
  'missing-signature': 401,
  'bad-signature': 401,
  'stale-timestamp': 400,
  malformed: 400,
  'too-large': 413,
  'unsupported-media-type': 415,
  unavailable: 503,
};

export interface ReceiverDeps {
  read: WebhookReader;
  intake: Pick<SeenStore, 'claim' | 'remember' | 'release'>;
  queues: QueueSet;
  eventNames: RoutedEventNames;
  metrics: ReceiverMetrics;
  logger: Logger;
  /** The route Lexamica posts to (the path of `webhooks.url`). */
  path: string;
  /** Largest body read (bytes); larger gets 413. */
  maxBodyBytes: number;
  /** Whether the receiver can take a delivery now (Redis and its queues); `GET /health` answers it. */
  ready: () => Promise<boolean>;
  now?: () => number;
  /** What is removed from each payload before it becomes job data (the client's personal fields, by default). */
  personalData: Pick<PersonalDataPolicy, 'strip'>;
}

export function buildReceiver(deps: ReceiverDeps): FastifyInstance {
  const now = deps.now ?? Date.now;
  const log = deps.logger;
  const app = Fastify({ logger: false, bodyLimit: deps.maxBodyBytes, return503OnClosing: true });

  // The signature covers the bytes as sent: the body stays a Buffer until it is verified.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  function reject(reason: RejectionReason, detail: string, ctx: Record<string, unknown> = {}) {
    deps.metrics.rejected.inc({ reason });
    if (reason === 'unavailable') log.error(ctx, `webhook delivery not taken: ${detail}; Lexamica retries it, and polling reconciles`);
    else log.warn({ reason, ...ctx }, `webhook delivery refused: ${detail}`);
    return { status: REJECTION_STATUS[reason], body: { error: reason, message: detail } };
  }

  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    const status = err.statusCode ?? 500;
    const r =
      status === 413
        ? reject('too-large', `body over ${deps.maxBodyBytes} bytes (webhooks.maxBodyBytes)`, { ip: req.ip })
        : status === 415
          ? reject('unsupported-media-type', 'deliveries are application/json', { ip: req.ip })
          : status < 500
            ? reject('malformed', err.message, { ip: req.ip })
            : reject('unavailable', err.message, { err });
    return reply.code(r.status).send(r.body);
  });

  app.get('/health', async (_req, reply) => {
    const ok = await deps.ready().catch(() => false);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable' });
  });

  /** Takes one delivery: what to answer. */
  async function take(headers: Record<string, string | string[] | undefined>, body: unknown, ip: string): Promise<{ status: number; body: unknown }> {
    const raw = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
    const reading = deps.read(headers, raw, now());
    if (!reading.ok) return reject(reading.reason, reading.detail, { ip });
    const e = reading.event;
    const parsed = storedEventJobSchema.safeParse({ id: e.id, event: e.event, createdAt: e.createdAt, mappingId: e.mappingId, subscriptionId: e.subscriptionId, payload: e.payload });
    if (!parsed.success) return reject('malformed', `stored event ${e.id}: ${formatIssues(parsed.error.issues)}`, { eventId: e.id });
    try {
      const { claimed } = await deps.intake.claim([e.id]);
      if (!claimed.has(e.id)) {
        // Enqueued already (by polling, or an earlier delivery), or being enqueued by the poller now.
        deps.metrics.deliveries.inc({ outcome: 'duplicate' });
        return { status: 200, body: { status: 'duplicate' } };
      }
      try {
        await enqueueMany(deps.queues, storedEventItems([{ job: jobForEvent(e.event, deps.eventNames), event: parsed.data }], deps.personalData));
      } catch (err) {
        await deps.intake.release([e.id]).catch((releaseErr: unknown) => log.warn({ err: releaseErr, eventId: e.id }, 'claim not released; it lapses on its own'));
        throw err;
      }
      await deps.intake.remember(stamped([e]));
    } catch (err) {
      return reject('unavailable', `Redis: ${(err as Error).message}`, { err, eventId: e.id });
    }
    deps.metrics.deliveries.inc({ outcome: 'accepted' });
    const createdMs = Date.parse(e.createdAt);
    if (Number.isFinite(createdMs)) deps.metrics.lag.observe(Math.max(0, now() - createdMs) / 1000);
    log.debug({ eventId: e.id, event: e.event }, 'webhook delivery enqueued');
    return { status: 202, body: { status: 'accepted' } };
  }

  app.post(deps.path, async (req, reply) => {
    const span = serverSpan(`POST ${deps.path}`, req.headers, { 'http.request.method': 'POST', 'http.route': deps.path });
    let status = 500;
    try {
      const r = await span.run(() => take(req.headers, req.body, req.ip));
      status = r.status;
      return await reply.code(r.status).send(r.body);
    } finally {
      span.end(status);
    }
  });

  return app;
}
