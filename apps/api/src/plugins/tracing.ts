/**
 * Request tracing: a span per request (`@fastify/otel`, continuing a caller's `traceparent`), and
 * the request id made current for the handler, so the jobs it enqueues carry both the trace
 * context and the request id (see `@lexbridge/shared/tracing`). Without a registered tracer
 * provider the spans are no-ops and only the request id travels.
 */
import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import fp from 'fastify-plugin';
import { withRequestId } from '@lexbridge/shared/tracing';

async function tracingPlugin(app: FastifyInstance): Promise<void> {
  // Hook spans would triple the span count of every request for little: the request and its
  // handler are what an operator follows.
  const otel = new FastifyOtelInstrumentation({ instrumentHooks: false, ignorePaths: (opts) => opts.url.startsWith('/health') || opts.url === '/metrics' });
  await app.register(otel.plugin());
  app.addHook('onRoute', (route) => {
    const handler = route.handler as RouteHandlerMethod;
    route.handler = function handle(request, reply) {
      return withRequestId(request.id, () => handler.call(this, request, reply));
    };
  });
}

export default fp(tracingPlugin, { name: 'lexbridge-tracing', fastify: '5.x' });
