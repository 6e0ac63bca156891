/**
 * The API's error vocabulary: one body shape for every error, a stable `code` per kind, and the
 * error class routes throw. The error handler plugin turns everything else into this shape.
 */
import { z } from 'zod';

/** Where in the request an offending field is. */
export const ERROR_LOCATIONS = ['body', 'querystring', 'params', 'headers'] as const;
export type ErrorLocation = (typeof ERROR_LOCATIONS)[number];

/**
 * Every `code` the API answers with. Stable: a CMS may branch on them.
 * - `validation_failed` (400): a field is missing or wrong; `field` and `in` say which.
 * - `invalid_json` (400): the body is not JSON, or carries `__proto__`/`constructor.prototype`.
 * - `bad_request` (400): any other malformed request (a malformed URL, a broken HTTP request); also
 *   the code of a 4xx from a library that has no code of its own.
 * - `unauthorized` (401): no bearer token, or one that names no identity.
 * - `forbidden` (403): the identity lacks the role the route needs (`requiredRoles` names them), or
 *   a file under `/docs/static` may not be served.
 * - `not_found` (404): no such route or resource.
 * - `not_acceptable` (406): the request's Accept or multipart type cannot be served.
 * - `request_timeout` (408): the request was not received in time (60 s).
 * - `invalid_state` (409): the resource's state does not allow this (e.g. deciding a decided invitation).
 * - `idempotency_in_progress` (409): a request with this Idempotency-Key is still running; retry.
 * - `cursor_expired` (410): items after the feed cursor were trimmed; the message says how to resync.
 * - `payload_too_large` (413), `uri_too_long` (414), `unsupported_media_type` (415),
 *   `range_not_satisfiable` (416, a static file's Range).
 * - `idempotency_key_reused` (422): the Idempotency-Key was used for a different request.
 * - `rate_limited` (429): the identity sent more requests than its limit; see Retry-After.
 * - `header_fields_too_large` (431): the request's headers are over 16 KiB.
 * - `service_unavailable` (503): Redis is unreachable or the API is stopping; see Retry-After.
 * - `internal_error` (500): a bug; the message is generic and the details are in the log.
 */
export const ERROR_CODES = [
  'validation_failed',
  'invalid_json',
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'not_acceptable',
  'request_timeout',
  'invalid_state',
  'idempotency_in_progress',
  'cursor_expired',
  'payload_too_large',
  'uri_too_long',
  'unsupported_media_type',
  'range_not_satisfiable',
  'idempotency_key_reused',
  'rate_limited',
  'header_fields_too_large',
  'service_unavailable',
  'internal_error',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The HTTP status each code is sent with (the list above, as data). */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  validation_failed: 400,
  invalid_json: 400,
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  not_acceptable: 406,
  request_timeout: 408,
  invalid_state: 409,
  idempotency_in_progress: 409,
  cursor_expired: 410,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  idempotency_key_reused: 422,
  rate_limited: 429,
  header_fields_too_large: 431,
  service_unavailable: 503,
  internal_error: 500,
};

/** The body of every error response. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      /** The offending field as a dot path (`date`, `fields.0.name`, `idempotency-key`). */
      field: z.string().optional(),
      in: z.enum(ERROR_LOCATIONS).optional(),
      /** Every problem found, when there is more than one. */
      issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
      /** The resource's current state, for `invalid_state`. */
      state: z.string().optional(),
      /** The roles of which the route needs one, for `forbidden`. */
      requiredRoles: z.array(z.string()).optional(),
      requestId: z.string().optional(),
    }),
  })
  .describe('An error. `error.code` is stable; `error.field` names the offending field of a 4xx.');
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** Response schemas for the given error statuses, for a route's `schema.response`. */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof errorBodySchema> {
  return Object.fromEntries(statuses.map((s) => [s, errorBodySchema])) as Record<S, typeof errorBodySchema>;
}

/** Options of an {@link ApiError}. */
export interface ApiErrorOptions {
  field?: string;
  in?: ErrorLocation;
  state?: string;
  /** For `forbidden`: the roles of which one would do. */
  requiredRoles?: readonly string[];
  /** Extra response headers (e.g. `retry-after`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** An error a route throws on purpose: its status, code and message go to the client as they are. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly options: ApiErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** A 400 `validation_failed` from a zod error found outside Fastify's validation (e.g. multipart fields). */
export function validationError(error: z.ZodError, where: ErrorLocation): ApiError {
  const first = error.issues[0];
  const field = first ? [...first.path, ...(first.code === 'unrecognized_keys' ? first.keys.slice(0, 1) : [])].join('.') : '';
  const message = error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  return new ApiError(400, 'validation_failed', `invalid ${where}: ${message}`, { ...(field && { field }), in: where });
}
