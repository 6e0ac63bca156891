/**
 * The BullMQ board (bull-board) at `/admin/queues`, over every catalog queue. It is protected like
 * every `/admin` route; a browser may use HTTP Basic with the token as password. Reading it needs
 * `viewer` or `admin`; its actions (PUT, POST, PATCH, DELETE) need `admin` (route-access.ts), and
 * each one done is recorded with the identity (audit.ts).
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { QueueSet } from '@lexbridge/core/jobs';
import type { AuditTrail } from '../../audit.js';
import { ERROR_CODES, type ErrorBody } from '../../errors.js';
import { STATUS_CODES } from '../../plugins/error-handler.js';
import { loggableUrl } from '../../plugins/request-bounds.js';

/** Options of the board. */
export interface BoardOptions {
  queues: QueueSet;
  audit: AuditTrail;
}

const BOARD_PATH = '/admin/queues';

/** True when `body` already has the API's error shape (a refusal by auth, the rate limit, the Redis guard). */
function isApiErrorBody(body: unknown): boolean {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.message === 'string' && (ERROR_CODES as readonly unknown[]).includes(error.code);
}

/**
 * The board answers its own errors as `{ error: { key: 'ERRORS.QUEUE_NOT_FOUND' } }`, and a failure
 * with the error's message and stack: both become the API's error shape, a 5xx a generic one.
 */
function boardError(status: number, payload: string): ErrorBody['error'] {
  if (status >= 500) return { code: 'internal_error', message: 'internal server error' };
  let key: unknown;
  try {
    key = (JSON.parse(payload) as { error?: { key?: unknown } } | null)?.error?.key;
  } catch {
    // Not JSON: described by its status alone.
  }
  const what = typeof key === 'string' ? key.replace(/^ERRORS\./, '').toLowerCase().replace(/_/g, ' ') : 'request refused';
  return { code: STATUS_CODES[status] ?? 'bad_request', message: `queue board: ${what}` };
}

export async function boardRoutes(app: FastifyInstance, { queues, audit }: BoardOptions): Promise<void> {
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode < 400 || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) return payload;
    const text = payload.toString();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (isApiErrorBody(parsed)) return payload;
    if (reply.statusCode >= 500) request.log.error({ statusCode: reply.statusCode, board: text.slice(0, 2_000) }, 'queue board failed');
    reply.type('application/json; charset=utf-8');
    return JSON.stringify({ error: { ...boardError(reply.statusCode, text), requestId: request.id } });
  });

  // After the answer: an action the board carried out is recorded; the feed being away then must
  // not turn a done action into an error, so the failure is logged with everything it would have said.
  app.addHook('onResponse', async (request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD' || reply.statusCode >= 400) return;
    const details = { method: request.method, path: loggableUrl(request.url), statusCode: reply.statusCode };
    await audit.record(request, 'board.action', details).catch((err: unknown) => {
      request.log.error({ err, action: 'board.action', by: request.identity?.name, ...details }, 'admin action done but not recorded in the feed');
    });
  });
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  const adapters = () => queues.all().map((q) => new BullMQAdapter(q));
  const board = createBullBoard({ queues: adapters(), serverAdapter, options: { uiConfig: { boardTitle: 'Lexbridge queues' } } });
  // A queue rebuilt after a failed start is a new object: the board follows it.
  const unsubscribe = queues.onRebuilt(() => board.replaceQueues(adapters()));
  app.addHook('onClose', async () => unsubscribe());
  await app.register(serverAdapter.registerPlugin(), { prefix: BOARD_PATH });
}
