/**
 * Request tracing: a server span per request, continuing a caller's `traceparent`, active while the
 * handler runs, with the request id made current, so the jobs a request enqueues carry both the
 * trace context and the request id (see `@lexbridge/infra/tracing`). Without a registered tracer
 * provider the spans are no-ops and only the request id travels.
 *
 * Written here rather than with `@fastify/otel`: its 0.21 release pins `@opentelemetry/core` 2,
 * which refuses the `@opentelemetry/api` 1.10 the 3.x SDK needs (npm ls fails in the image).
 */
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify';
import fp from 'fastify-plugin';
import { serverSpan, withRequestId, type ServerSpan } from '@lexbridge/infra/tracing';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's span (a no-op when tracing is off). */
    traceSpan?: ServerSpan;
  }
}

/** Health and metrics requests are not traced: they are many and say nothing. */
const UNTRACED = /^\/(health\/|metrics$)/;

async function tracingPlugin(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (UNTRACED.test(request.url)) return;
    request.traceSpan = serverSpan(`${request.method} ${request.routeOptions.url ?? 'unmatched'}`, request.headers, {
      'http.request.method': request.method,
      'http.route': request.routeOptions.url ?? 'unmatched',
      'lexbridge.request_id': request.id,
    });
  });
  app.addHook('onResponse', async (request, reply) => {
    request.traceSpan?.end(reply.statusCode);
  });
  app.addHook('onRoute', (route) => {
    const handler = route.handler as RouteHandlerMethod;
    route.handler = function handle(request, reply) {
      const run = () => withRequestId(request.id, () => handler.call(this, request, reply));
      return request.traceSpan ? request.traceSpan.run(run) : run();
    };
  });
}

export default fp(tracingPlugin, { name: 'lexbridge-tracing', fastify: '5.x' });
