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
import type { QueueSet } from '@lexbridge/shared/jobs';
import type { AuditTrail } from '../../audit.js';
import { loggableUrl } from '../../plugins/request-bounds.js';

/** Options of the board. */
export interface BoardOptions {
  queues: QueueSet;
  audit: AuditTrail;
}

export const BOARD_PATH = '/admin/queues';

export async function boardRoutes(app: FastifyInstance, { queues, audit }: BoardOptions): Promise<void> {
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
  createBullBoard({
    queues: queues.all().map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Lexbridge queues' } },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: BOARD_PATH });
}
