/**
 * The one error handler: every error leaves as `{ error: { code, message, field? } }`. Messages of
 * 4xx pass through (they describe the client's mistake); a 5xx gets a generic body and the details
 * go to the log. While Redis is unreachable, a failure becomes 503 with Retry-After.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { RedisClient } from '@lexbridge/infra/redis';
import { errorKind } from '@lexbridge/infra/errors';
import { ApiError, ERROR_LOCATIONS, type ErrorBody, type ErrorCode, type ErrorLocation } from '../errors.js';

/** Options of the error handler plugin. */
export interface ErrorHandlerOptions {
  /** The request-path Redis connection: its status tells an outage from a bug. */
  redis: RedisClient;
  /** Retry-After (seconds) on a 503. */
  retryAfterSec: number;
}

/** True when `err` comes from Redis being unreachable (or happened while it was). */
export function isRedisUnavailable(err: Error, redis: Pick<RedisClient, 'status'>): boolean {
  return redis.status !== 'ready' || errorKind(err) === 'redis-unavailable';
}

/** The code of an error that carries only a status (Fastify's, a plugin's, Node's). */
export const STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'invalid_state',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  416: 'range_not_satisfiable',
  429: 'rate_limited',
  431: 'header_fields_too_large',
  503: 'service_unavailable',
};

const INVALID_JSON_CODES = new Set(['FST_ERR_CTP_EMPTY_JSON_BODY', 'FST_ERR_CTP_INVALID_JSON_BODY']);

/** A path as an error message may repeat it: the client knows what it sent; 200 characters say which. */
const cut = (path: string) => (path.length > 200 ? `${path.slice(0, 200)}…` : path);

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function fieldOf(issue: ValidationIssue): string {
  const path = (issue.instancePath ?? '').replace(/^\//, '').split('/').filter(Boolean).join('.');
  // A missing required property is reported on its parent by JSON-schema validators.
  const missing = issue.params?.missingProperty;
  if (typeof missing === 'string') return path ? `${path}.${missing}` : missing;
  // zod reports unknown keys on their parent object, with the keys alongside.
  const unknownKeys = issue.params?.keys;
  if (Array.isArray(unknownKeys) && typeof unknownKeys[0] === 'string') return path ? `${path}.${unknownKeys[0]}` : unknownKeys[0];
  return path;
}

function validationBody(err: FastifyError): ErrorBody['error'] {
  const where = (ERROR_LOCATIONS as readonly string[]).includes(err.validationContext ?? '')
    ? (err.validationContext as ErrorLocation)
    : undefined;
  const issues = (err.validation ?? []).map((i) => ({ field: fieldOf(i as ValidationIssue), message: i.message ?? 'is invalid' }));
  const first = issues[0];
  const describe = (i: { field: string; message: string }) => (i.field ? `${i.field}: ${i.message}` : i.message);
  return {
    code: 'validation_failed',
    message: `invalid ${where ?? 'request'}: ${issues.map(describe).join('; ')}`,
    ...(first?.field ? { field: first.field } : {}),
    ...(where ? { in: where } : {}),
    ...(issues.length > 1 ? { issues } : {}),
  };
}

/** Builds the body and status for `err`, and whether it is the server's fault. */
export function toErrorResponse(err: FastifyError | ApiError | Error, redis: Pick<RedisClient, 'status'>): { status: number; error: ErrorBody['error']; headers: Record<string, string> } {
  if (err instanceof ApiError) {
    const { field, in: where, state, requiredRoles, headers } = err.options;
    return {
      status: err.statusCode,
      error: {
        code: err.code,
        message: err.message,
        ...(field ? { field } : {}),
        ...(where ? { in: where } : {}),
        ...(state ? { state } : {}),
        ...(requiredRoles ? { requiredRoles: [...requiredRoles] } : {}),
      },
      headers: headers ?? {},
    };
  }
  const fe = err as FastifyError;
  if (Array.isArray(fe.validation) && fe.validation.length > 0) return { status: 400, error: validationBody(fe), headers: {} };
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    const invalidJson = INVALID_JSON_CODES.has(fe.code) || err instanceof SyntaxError || err instanceof RangeError;
    const code = invalidJson && status === 400 ? 'invalid_json' : (STATUS_CODES[status] ?? 'bad_request');
    return { status, error: { code, message: err.message }, headers: {} };
  }
  if (isRedisUnavailable(err, redis)) {
    return { status: 503, error: { code: 'service_unavailable', message: 'storage is unavailable; retry later' }, headers: {} };
  }
  return { status: 500, error: { code: 'internal_error', message: 'internal server error' }, headers: {} };
}

/**
 * Sends an error body directly. Hooks that refuse a request (auth, the Redis guard) use it rather
 * than throwing, so the body is the same on routes of plugins with their own error handler (the
 * queue board).
 */
export function sendError(
  reply: FastifyReply,
  request: FastifyRequest,
  res: { status: number; error: ErrorBody['error']; headers?: Record<string, string> },
): FastifyReply {
  for (const [k, v] of Object.entries(res.headers ?? {})) reply.header(k, v);
  return reply.code(res.status).send({ error: { ...res.error, requestId: request.id } });
}

/** {@link sendError} for an {@link ApiError}. */
export function sendApiError(reply: FastifyReply, request: FastifyRequest, err: ApiError): FastifyReply {
  const { status, error, headers } = toErrorResponse(err, { status: 'ready' });
  return sendError(reply, request, { status, error, headers });
}

async function errorHandlerPlugin(app: FastifyInstance, opts: ErrorHandlerOptions): Promise<void> {
  const send = (reply: FastifyReply, request: FastifyRequest, status: number, error: ErrorBody['error'], headers: Record<string, string>) =>
    sendError(reply, request, { status, error, headers: status === 503 ? { 'retry-after': String(opts.retryAfterSec), ...headers } : headers });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const { status, error, headers } = toErrorResponse(err, opts.redis);
    if (status >= 500) request.log.error({ err, status }, 'request failed');
    else request.log.info({ code: error.code, field: error.field, status }, 'request refused');
    return send(reply, request, status, error, headers);
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, request, 404, { code: 'not_found', message: `no route ${request.method} ${cut(request.url.split('?')[0] ?? '')}` }, {}),
  );
}

export default fp(errorHandlerPlugin, { name: 'lexbridge-error-handler', fastify: '5.x' });
