/**
 * Bounds on what a request may be before anything reads it, and the answers to requests Fastify or
 * Node refuse before a route sees them. Each answer has the API's error shape and never echoes the
 * request: Fastify's own bodies repeat the whole path, and Node's carry no JSON at all.
 *
 * - URL (path and query) over {@link MAX_URL_LENGTH}: 414 `uri_too_long`, before authentication.
 * - A path segment over {@link MAX_PARAM_LENGTH}: 414 `uri_too_long` (Fastify's `maxParamLength`).
 * - Bad percent-encoding in the path: 400 `bad_request`.
 * - Headers over Node's 16 KiB: 431 `header_fields_too_large`; a request not received within the
 *   request timeout: 408 `request_timeout`; a request HTTP cannot parse: 400 `bad_request`.
 */
import { STATUS_CODES as HTTP_REASONS } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ErrorBody } from '../errors.js';
import { sendError, STATUS_CODES, toErrorResponse } from './error-handler.js';

/** Longest URL, path and query, in characters. The longest legitimate one is a few hundred. */
export const MAX_URL_LENGTH = 4_096;
/** Longest path parameter (Fastify's `maxParamLength`); an outbound id from a 200-character key is about 600. */
export const MAX_PARAM_LENGTH = 1_000;

/** `url` as a log line may carry it: cut when it is over the bound (the request was refused for it). */
export function loggableUrl(url: string): string {
  return url.length > MAX_URL_LENGTH ? `${url.slice(0, 200)}… (${url.length} characters)` : url;
}

/** Fastify's `frameworkErrors`: errors raised while routing, before any hook runs. */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const res: { status: number; error: ErrorBody['error'] } =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? { status: 414, error: { code: 'uri_too_long', message: `a path segment is longer than ${MAX_PARAM_LENGTH} characters` } }
      : err.code === 'FST_ERR_BAD_URL'
        ? { status: 400, error: { code: 'bad_request', message: 'the path is not valid (malformed percent-encoding)' } }
        : toErrorResponse(err, { status: 'ready' });
  request.log.info({ method: request.method, url: loggableUrl(request.url), statusCode: res.status, code: res.error.code }, 'request refused while routing');
  reply.header('x-request-id', request.id);
  void sendError(reply, request, res);
}

/** Node's `clientError`: the request could not be read as HTTP; answered on the socket, then closed. */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset socket has nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const message =
    status === 431 ? 'the request headers are larger than 16 KiB' : status === 408 ? 'the request was not received in time' : 'the request is not valid HTTP';
  const body = JSON.stringify({ error: { code: STATUS_CODES[status], message } });
  this.log.info({ statusCode: status, code: STATUS_CODES[status], reason: err.code }, 'request refused before parsing');
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${HTTP_REASONS[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

async function requestBoundsPlugin(app: FastifyInstance): Promise<void> {
  // First of all hooks: an over-long URL is refused before authentication or logging reads it.
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.length <= MAX_URL_LENGTH) return;
    return sendError(reply, request, { status: 414, error: { code: 'uri_too_long', message: `the URL is longer than ${MAX_URL_LENGTH} characters` } });
  });
}

export default fp(requestBoundsPlugin, { name: 'lexbridge-request-bounds', fastify: '5.x' });
