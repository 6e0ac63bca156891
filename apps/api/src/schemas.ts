/**
 * Request pieces several routes share: the Idempotency-Key header, paging, ISO times.
 */
import { z } from 'zod';

/** An ISO 8601 date-time with an offset, as the job catalog defines it (one definition). */
export { isoDateTime } from '@lexbridge/core/jobs';

/** An opaque id taken from a path. */
export const pathId = (what: string) => z.string().min(1).max(300).describe(what);

/** The `Idempotency-Key` header routes that send something take (Fastify lower-cases header names). */
export const idempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string({ error: 'the Idempotency-Key header is required' })
    .min(1, 'the Idempotency-Key header is required')
    .max(200, 'must be at most 200 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be visible ASCII characters without spaces')
    .describe('Unique per logical request; a retry reuses it. Kept at least 24 hours.'),
});

/** `limit` of a paged listing. */
export const pageLimit = (opts: { default: number; max: number }) =>
  z.coerce.number().int().min(1).max(opts.max).default(opts.default).describe(`Page size, 1..${opts.max} (default ${opts.default})`);

/** What a route that queued work answers (202). */
export const queuedSchema = z.object({
  id: z.string().describe('Job id: read its outcome at GET /v1/outbound/{id}'),
  status: z.literal('queued'),
});

const documentationOnlySchemas = new WeakSet<object>();

/**
 * Marks a body schema as documentation only: it describes a body the handler reads itself
 * (multipart parts), so the OpenAPI document shows it but Fastify does not validate against it.
 */
export function documentationOnly<T extends object>(schema: T): T {
  documentationOnlySchemas.add(schema);
  return schema;
}

export function isDocumentationOnly(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && documentationOnlySchemas.has(schema);
}
