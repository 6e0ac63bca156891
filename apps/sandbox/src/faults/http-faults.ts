/** Applies the injector's plan to a profile request: delay, reset the socket, 5xx or 429. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FaultInjector } from './fault-injector.js';

export function createHttpFaultHook(faults: FaultInjector) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const plan = faults.planRequest();
    if (plan.delayMs) await sleep(plan.delayMs);
    if (plan.reset) {
      reply.hijack();
      request.raw.socket.destroy();
      return;
    }
    if (plan.serverError !== undefined) {
      return reply.code(plan.serverError).send({ error: 'server_error', message: 'injected server error' });
    }
    if (plan.rateLimit !== undefined) {
      return reply.code(429).header('retry-after', String(plan.rateLimit)).send({ error: 'rate_limited', message: 'too many requests' });
    }
  };
}
