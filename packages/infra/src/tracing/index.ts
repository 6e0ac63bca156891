/**
 * Tracing: OpenTelemetry spans across the services, and the correlation that follows one piece of
 * work from hop to hop. The trace context (W3C `traceparent`) and the API's request id travel in a
 * job's data (`_trace`), so one invitation is one trace from the poll that read it to Lexamica's
 * answer, and a CMS update one trace from its `POST` to Lexamica.
 *
 * Off unless {@link startTracing} is called with an enabled config (the apps' config turns it on
 * when `OTEL_EXPORTER_OTLP_ENDPOINT` or the other standard `OTEL_*` variables are set): without a
 * registered provider every span here is OpenTelemetry's no-op, and only the request id travels.
 * The SDK itself (provider, exporter, resources, propagator) is imported only when tracing is on:
 * loaded, it costs a service about 25 MB of RSS (docs/performance.md).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { z } from 'zod';

export { SpanKind } from '@opentelemetry/api';

/** What the apps' config decides about tracing (see `tracingEnv` in `@lexbridge/infra/config`). */
export interface TracingConfig {
  /** True when an OTLP endpoint or exporter is configured through the standard `OTEL_*` variables. */
  enabled: boolean;
  /** `OTEL_SERVICE_NAME`, else the service's own name. */
  serviceName?: string;
}

/** A running tracer provider; `shutdown` flushes the spans still buffered. */
export interface Tracing {
  shutdown(): Promise<void>;
}

const NOOP: Tracing = { shutdown: async () => undefined };

/**
 * Registers the global tracer provider, context manager and W3C propagator. `exporter` defaults to
 * OTLP over HTTP, which reads its endpoint, headers and timeout from the standard `OTEL_EXPORTER_OTLP_*`
 * variables; tests pass an in-memory exporter (`simple: true` exports each span when it ends).
 * Off, it imports nothing: the SDK's packages are loaded here, only when tracing is on.
 */
export async function startTracing(opts: { service: string; config: TracingConfig; version?: string; exporter?: SpanExporter; simple?: boolean }): Promise<Tracing> {
  if (!opts.config.enabled) return NOOP;
  const [{ AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, { OTLPTraceExporter }, { resourceFromAttributes }, { BatchSpanProcessor, SimpleSpanProcessor, TracerProvider }, { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION }] =
    await Promise.all([
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/core'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/semantic-conventions'),
    ]);
  const exporter = opts.exporter ?? new OTLPTraceExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.config.serviceName ?? opts.service, ...(opts.version && { [ATTR_SERVICE_VERSION]: opts.version }) }),
    spanProcessors: [opts.simple ? new SimpleSpanProcessor({ exporter }) : new BatchSpanProcessor({ exporter })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

const tracer = () => trace.getTracer('lexbridge');

/**
 * Runs `fn` in a new span (a child of the active one), ending it when `fn` settles; an error marks
 * the span failed and is rethrown.
 */
export async function inSpan<T>(name: string, o: { kind?: SpanKind; attributes?: Attributes }, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { kind: o.kind ?? SpanKind.INTERNAL, ...(o.attributes && { attributes: o.attributes }) }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The correlation a piece of work carries besides the trace context. */
interface Correlation {
  /** The API request that started it (`x-request-id`). */
  requestId?: string;
  /** The job running now. */
  jobId?: string;
}

const correlation = new AsyncLocalStorage<Correlation>();

/** Runs `fn` with `requestId` as the current request id (what jobs enqueued and Lexamica calls carry). */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return correlation.run({ requestId }, fn);
}

/** The request id of the work running now, if an API request started it. */
export function currentRequestId(): string | undefined {
  return correlation.getStore()?.requestId;
}

/** The trace id of the active span, when tracing is on. */
export function currentTraceId(): string | undefined {
  const ctx = trace.getSpanContext(context.active());
  return ctx && trace.isSpanContextValid(ctx) ? ctx.traceId : undefined;
}

/** Fields for every log line: the trace, request and job of the work running now, when there are. */
export function correlationFields(): { traceId?: string; requestId?: string; jobId?: string } {
  const traceId = currentTraceId();
  const store = correlation.getStore();
  return { ...(traceId && { traceId }), ...(store?.requestId && { requestId: store.requestId }), ...(store?.jobId && { jobId: store.jobId }) };
}

/** The W3C trace context of the active span, as headers (empty when tracing is off). */
export function traceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  return headers;
}

/** What a job carries of the work that enqueued it, under the job data's `_trace` key. */
export const traceCarrierSchema = z.object({
  traceparent: z.string().max(128).optional(),
  tracestate: z.string().max(512).optional(),
  requestId: z.string().max(200).optional(),
});
export type TraceCarrier = z.infer<typeof traceCarrierSchema>;

/** The job data key the carrier lives under (outside every payload schema). */
export const TRACE_KEY = '_trace';

/** The carrier of the work running now; undefined when there is nothing to carry. */
export function currentCarrier(): TraceCarrier | undefined {
  const carrier: TraceCarrier = { ...traceHeaders() };
  const requestId = currentRequestId();
  if (requestId) carrier.requestId = requestId;
  return Object.keys(carrier).length > 0 ? carrier : undefined;
}

/**
 * Runs `fn` as a continuation of the work that enqueued a job: in a span whose parent is the
 * carrier's trace context (a new trace without one), with the carrier's request id as current.
 */
export async function continueFrom<T>(carrier: TraceCarrier | undefined, job: { name: string; jobId?: string; attributes: Attributes }, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
  const store: Correlation = { ...(carrier?.requestId && { requestId: carrier.requestId }), ...(job.jobId && { jobId: job.jobId }) };
  return correlation.run(store, () => context.with(parent, () => inSpan(job.name, { kind: SpanKind.CONSUMER, attributes: job.attributes }, fn)));
}

/** A server span started from an incoming request's headers; see {@link serverSpan}. */
export interface ServerSpan {
  /** Runs `fn` with the span active (what it enqueues or calls is its child). */
  run<T>(fn: () => T): T;
  /** Ends the span with the response status (5xx marks it failed). */
  end(status: number): void;
}

/** Starts a server span continuing the caller's `traceparent` in `headers`, if any. */
export function serverSpan(name: string, headers: Record<string, string | string[] | undefined>, attributes: Attributes): ServerSpan {
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  const active = trace.setSpan(parent, span);
  return {
    run: (fn) => context.with(active, fn),
    end(status) {
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}
