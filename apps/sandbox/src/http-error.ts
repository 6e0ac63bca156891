/**
 * The sandbox's one error shape: `{ error, message }` JSON bodies with a stable `error` code,
 * plus extra fields where the profile defines them (the 409 `status`).
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { FieldMapping } from './wire/field-mapping.js';
import type { z } from 'zod';

/** An error a route throws to answer with `status` and `{ error, message, ...extra }`. */
export class HttpError extends Error {
  /** `replyBody` replaces the usual body (a profile's own 409 shape). */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    private readonly replyBody?: Record<string, unknown>,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return this.replyBody ?? { error: this.code, message: this.message, ...this.extra };
  }
}

/** A 400 naming every invalid field (`issues[].path` is the dot path in the request). */
export function invalidRequest(error: z.ZodError, prefix = ''): HttpError {
  const issues = error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'), message: i.message }));
  return new HttpError(400, 'invalid_request', issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; '), { issues });
}

/** Parses `value` with `schema`, throwing a 400 that names the bad fields. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidRequest(result.error, prefix);
  return result.data;
}

/** `body` as a JSON object (absent counts as empty), or a 400. */
export function requireObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'invalid_request', 'body must be a JSON object');
  return body as Record<string, unknown>;
}

export function notFound(what: string, id: string): HttpError {
  return new HttpError(404, `${what}_not_found`, `${what.replace(/_/g, ' ')} ${id} does not exist`);
}

/** Turns HttpError (and fastify's own 4xx, e.g. a bad JSON body) into the sandbox's error shape. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError, request, reply) => {
    if (err instanceof HttpError) return reply.code(err.status).send(err.body());
    const status = err.statusCode ?? 500;
    if (status >= 500) request.log.error({ err }, 'sandbox route failed');
    return reply.code(status).send({ error: status >= 500 ? 'internal_error' : (err.code ?? 'bad_request'), message: status >= 500 ? 'internal error' : err.message });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'route_not_found', message: `${request.method} ${request.url.split('?')[0]} is not a route` }));
}

/**
 * A 400 for a body sent in the firm's field names: each problem is named by the firm's field
 * (and the Lexamica path it maps to), since that is what the sender has to fix.
 */
export function invalidFirmBody(mapping: Pick<FieldMapping, 'firmName'>, problems: ReadonlyArray<{ path: string; message: string }>): HttpError {
  const issues = problems.map((p) => ({ path: mapping.firmName(p.path) ?? p.path, lexamica: p.path, message: p.message }));
  const message = issues.map((i) => `${i.path}${i.path === i.lexamica ? '' : ` (${i.lexamica})`}: ${i.message}`).join('; ');
  return new HttpError(400, 'invalid_request', message, { issues });
}

/** Zod issues as dot paths. */
export function zodProblems(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}
