import type { FastifyError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { isRedisUnavailable, toErrorResponse } from './error-handler.js';

const up = { status: 'ready' } as const;
const down = { status: 'reconnecting' } as const;

function fastifyError(props: Partial<FastifyError> & { message: string }): FastifyError {
  return Object.assign(new Error(props.message), props) as FastifyError;
}

describe('error responses', () => {
  it('passes an ApiError through with its status, code, field and headers', () => {
    const res = toErrorResponse(new ApiError(409, 'invalid_state', 'invitation i1 is done', { state: 'done', headers: { 'x-a': '1' } }), up);
    expect(res).toEqual({ status: 409, error: { code: 'invalid_state', message: 'invitation i1 is done', state: 'done' }, headers: { 'x-a': '1' } });
  });

  it('names the field of a validation error, including missing and unknown keys', () => {
    const err = fastifyError({
      message: 'bad',
      validationContext: 'body',
      validation: [
        { keyword: 'invalid_type', instancePath: '/fields/0/date', schemaPath: '', params: {}, message: 'expected string' },
        { keyword: 'unrecognized_keys', instancePath: '/', schemaPath: '', params: { keys: ['titel'] }, message: 'Unrecognized key' },
        { keyword: 'required', instancePath: '', schemaPath: '', params: { missingProperty: 'title' }, message: 'is required' },
      ],
    });
    const res = toErrorResponse(err, up);
    expect(res.status).toBe(400);
    expect(res.error).toMatchObject({ code: 'validation_failed', field: 'fields.0.date', in: 'body' });
    expect(res.error.issues?.map((i) => i.field)).toEqual(['fields.0.date', 'titel', 'title']);
    expect(res.error.message).toContain('fields.0.date: expected string');
  });

  it('maps Fastify client errors to stable codes', () => {
    expect(toErrorResponse(fastifyError({ message: 'too large', statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }), up).error.code).toBe('payload_too_large');
    expect(toErrorResponse(fastifyError({ message: 'bad type', statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }), up).error.code).toBe('unsupported_media_type');
    expect(toErrorResponse(fastifyError({ message: 'bad json', statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }), up).error.code).toBe('invalid_json');
    expect(toErrorResponse(fastifyError({ message: 'odd', statusCode: 406, code: 'FST_INVALID_MULTIPART_CONTENT_TYPE' }), up)).toMatchObject({ status: 406, error: { code: 'not_acceptable' } });
    expect(toErrorResponse(fastifyError({ message: 'odd', statusCode: 418 }), up)).toMatchObject({ status: 418, error: { code: 'bad_request' } });
  });

  it('hides the details of a server error behind a generic body', () => {
    const res = toErrorResponse(new TypeError("Cannot read properties of undefined (reading 'secret')"), up);
    expect(res).toEqual({ status: 500, error: { code: 'internal_error', message: 'internal server error' }, headers: {} });
  });

  it('turns a failure while Redis is away, or a Redis connection error, into 503', () => {
    expect(toErrorResponse(new Error('anything'), down).status).toBe(503);
    expect(toErrorResponse(new Error("Stream isn't writeable and enableOfflineQueue options is false"), up).status).toBe(503);
    expect(toErrorResponse(new Error('Command timed out'), up).error.code).toBe('service_unavailable');
    // ioredis's MaxRetriesPerRequestError (not exported): recognised by what it says, as errorKind does.
    expect(isRedisUnavailable(Object.assign(new Error('Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.'), { name: 'MaxRetriesPerRequestError' }), up)).toBe(true);
    expect(isRedisUnavailable(new Error('plain bug'), up)).toBe(false);
    // A client error stays a client error during an outage.
    expect(toErrorResponse(new ApiError(404, 'not_found', 'nope'), down).status).toBe(404);
  });
});
