/**
 * The BullMQ board (bull-board) at `/admin/queues`, over every catalog queue. It is protected like
 * every `/admin` route; a browser may use HTTP Basic with the token as password.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { QueueSet } from '@lexbridge/shared/jobs';

/** Options of the board. */
export interface BoardOptions {
  queues: QueueSet;
}

export const BOARD_PATH = '/admin/queues';

export async function boardRoutes(app: FastifyInstance, { queues }: BoardOptions): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  const adapters = () => queues.all().map((q) => new BullMQAdapter(q));
  const board = createBullBoard({ queues: adapters(), serverAdapter, options: { uiConfig: { boardTitle: 'Lexbridge queues' } } });
  // A queue rebuilt after a failed start is a new object: the board follows it.
  const unsubscribe = queues.onRebuilt(() => board.replaceQueues(adapters()));
  app.addHook('onClose', async () => unsubscribe());
  await app.register(serverAdapter.registerPlugin(), { prefix: BOARD_PATH });
}
