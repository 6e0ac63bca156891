/**
 * Case status sync, CMS → Lexamica: status updates and milestones. Each request needs an
 * `Idempotency-Key`; the work is queued as `outbound.send` (job id from the key) and the processor
 * sends it; `GET /v1/outbound/{id}` tells the outcome.
 */
import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hashRequest, type IdempotencyStore } from '../../idempotency/index.js';
import { enqueue, jobIdFor, type CaseUpdateOut, type JobPayload, type MilestoneOut, type QueueSet } from '@lexbridge/core/jobs';
import { ApiError, errorResponses, validationError } from '../../errors.js';
import { replyIdempotently } from '../../idempotent.js';
import { idempotencyHeaders, pathId, queuedSchema } from '../../schemas.js';
import { sha256Hex, type ReceivedFile, type UploadStore } from '../../uploads.js';
import { caseUpdateBodySchema, milestoneBodySchema, retainedDocsBodySchema, retainedFieldsSchema } from './schemas.js';

/** Options of the case routes. */
export interface CaseRoutesOptions {
  queues: QueueSet;
  idempotency: IdempotencyStore;
  uploads: UploadStore;
  /** Largest accepted file, in bytes. */
  uploadMaxBytes: number;
}

const params = z.object({ caseId: pathId("Lexamica's case (referral) id") });

/** The schema of a route that queues outbound work: the case in the path, an Idempotency-Key, 202 with the job. */
function queuedRoute<B>(body: B, doc: { summary: string; description: string; consumes?: string[] }) {
  return {
    tags: ['cases'],
    ...doc,
    headers: idempotencyHeaders,
    params,
    body,
    response: { 202: queuedSchema, ...errorResponses(400, 401, 403, 409, 413, 415, 422, 429, 503) },
  };
}

/** One piece of outbound work, as a route describes it. */
type OutboundRequest = {
  /** The request's Idempotency-Key. */
  key: string;
  /** What makes two requests "the same" (the validated request, files by their hash). */
  hashed: unknown;
  /** Undoes what `body` stored when the enqueue fails. */
  undo?: (jobId: string) => Promise<void>;
} & (
  /** The job body; runs only for the first request with the key. */
  | { kind: 'case-update'; body: (jobId: string) => Promise<CaseUpdateOut> }
  | { kind: 'milestone'; body: (jobId: string) => Promise<MilestoneOut> }
);

export const caseRoutes: FastifyPluginAsyncZod<CaseRoutesOptions> = async (app, opts) => {
  /** Queues the work as `outbound.send` under its Idempotency-Key and answers 202 (or replays). */
  const sendQueued = (request: FastifyRequest, reply: FastifyReply, out: OutboundRequest) => {
    const jobId = jobIdFor('outbound', out.key);
    return replyIdempotently(reply, {
      store: opts.idempotency,
      key: out.key,
      requestHash: hashRequest(request.method, request.routeOptions.url ?? request.url, out.hashed),
      work: async () => {
        const payload: JobPayload<'outbound.send'> =
          out.kind === 'case-update'
            ? { idempotencyKey: out.key, kind: out.kind, body: await out.body(jobId) }
            : { idempotencyKey: out.key, kind: out.kind, body: await out.body(jobId) };
        await enqueue(opts.queues, 'outbound.send', payload, { jobId });
        return { status: 202, body: { id: jobId, status: 'queued' as const } };
      },
      ...(out.undo && { undo: () => out.undo!(jobId) }),
    });
  };

  app.post('/v1/cases/:caseId/updates', {
    schema: queuedRoute(caseUpdateBodySchema, {
      summary: 'Send a case status update to Lexamica',
      description: 'Queued and sent through the CaseUpdate mapping. Needs an Idempotency-Key.',
    }),
    handler: async (request, reply) => {
      const body = { caseId: request.params.caseId, ...request.body };
      await sendQueued(request, reply, { key: request.headers['idempotency-key'], kind: 'case-update', hashed: body, body: async () => body });
    },
  });

  app.post('/v1/cases/:caseId/milestones', {
    schema: queuedRoute(milestoneBodySchema, {
      summary: 'Send a milestone: contact attempted, consult complete, declined, closed',
      description: 'Queued and sent to Lexamica. Needs an Idempotency-Key. For `retained`, use the multipart route.',
    }),
    handler: async (request, reply) => {
      const body = { caseId: request.params.caseId, ...request.body };
      await sendQueued(request, reply, { key: request.headers['idempotency-key'], kind: 'milestone', hashed: body, body: async () => body });
    },
  });

  await app.register(async (scoped) => {
    await scoped.register(multipart, {
      limits: { fileSize: opts.uploadMaxBytes, files: 1, fields: 10, fieldSize: 10_000, parts: 12, headerPairs: 100 },
    });

    scoped.withTypeProvider<ZodTypeProvider>().post('/v1/cases/:caseId/milestones/retained', {
      schema: queuedRoute(retainedDocsBodySchema, {
        summary: 'Send the retained milestone with the signed retainer PDF',
        description:
          'multipart/form-data: the file part `retainer` (application/pdf), optional fields `retainedAt` and `note`. ' +
          `The file is held in Redis until sent (at most ${opts.uploadMaxBytes} bytes). Needs an Idempotency-Key.`,
        consumes: ['multipart/form-data'],
      }),
      handler: async (request, reply) => {
        if (!request.isMultipart()) throw new ApiError(415, 'unsupported_media_type', 'send multipart/form-data with the file part "retainer"');
        const { fields, file } = await readRetainer(request);
        const caseId = request.params.caseId;
        const described = { filename: file.filename, contentType: file.contentType, size: file.bytes.length, sha256: sha256Hex(file.bytes) };
        await sendQueued(request, reply, {
          key: request.headers['idempotency-key'],
          kind: 'milestone',
          hashed: { caseId, ...fields, file: described },
          body: async (jobId) => ({ caseId, type: 'retained' as const, ...fields, file: await opts.uploads.save(jobId, file) }),
          undo: (jobId) => opts.uploads.remove(jobId),
        });
      },
    });
  });
};

/** Reads the multipart parts: the text fields and the one PDF named `retainer`. */
async function readRetainer(request: FastifyRequest): Promise<{ fields: z.infer<typeof retainedFieldsSchema>; file: ReceivedFile }> {
  const raw: Record<string, string> = {};
  let file: ReceivedFile | undefined;
  let stray: string | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'retainer') {
          stray = part.fieldname;
          part.file.resume();
          continue;
        }
        file = { bytes: await part.toBuffer(), filename: part.filename, contentType: part.mimetype };
      } else if (typeof part.value === 'string') {
        raw[part.fieldname] = part.value;
      }
    }
  } catch (err) {
    // Limits come with their own 4xx; anything else the parser throws means a malformed body.
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) throw err;
    throw new ApiError(400, 'bad_request', `malformed multipart body: ${(err as Error).message}`, { in: 'body' });
  }
  if (stray !== undefined) throw new ApiError(400, 'validation_failed', `unexpected file part "${stray}"; the file goes in "retainer"`, { field: stray, in: 'body' });
  const fields = retainedFieldsSchema.safeParse(raw);
  if (!fields.success) throw validationError(fields.error, 'body');
  if (!file || file.bytes.length === 0) throw new ApiError(400, 'validation_failed', 'the signed retainer is required as the file part "retainer"', { field: 'retainer', in: 'body' });
  if (file.contentType !== 'application/pdf' || file.bytes.subarray(0, 5).toString('latin1') !== '%PDF-') {
    throw new ApiError(415, 'unsupported_media_type', 'the retainer must be a PDF (application/pdf)', { field: 'retainer', in: 'body' });
  }
  return { fields: fields.data, file };
}
