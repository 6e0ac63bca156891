/**
 * Runs a request under its Idempotency-Key: the first request does the work and its response is
 * recorded; the same request again gets that response replayed; a different request with the key
 * is refused (422); the same request while the first still runs gets 409 with Retry-After.
 */
import type { FastifyReply } from 'fastify';
import type { IdempotencyStore } from './idempotency/index.js';
import { ApiError } from './errors.js';

/** The response a piece of idempotent work produced. */
export interface IdempotentResponse<B> {
  status: number;
  body: B;
}

/** Options of {@link replyIdempotently}. */
export interface IdempotentRequest<B> {
  store: IdempotencyStore;
  key: string;
  /** `hashRequest(...)` of the validated request. */
  requestHash: string;
  /** The work: runs only for the first request with the key. */
  work: () => Promise<IdempotentResponse<B>>;
  /** Undoes partial work when `work` throws (the claim is released so a retry may run). */
  undo?: () => Promise<void>;
}

/** Sends the response for an idempotent request (see the module comment). */
export async function replyIdempotently<B>(reply: FastifyReply, req: IdempotentRequest<B>): Promise<void> {
  const begun = await req.store.begin(req.key, req.requestHash);
  if (begun.kind === 'replay') {
    await reply.code(begun.status).header('idempotent-replayed', 'true').send(begun.body);
    return;
  }
  if (begun.kind === 'conflict') {
    throw new ApiError(422, 'idempotency_key_reused', 'this Idempotency-Key was used for a different request; use a new key', {
      field: 'idempotency-key',
      in: 'headers',
    });
  }
  if (begun.kind === 'in-progress') {
    throw new ApiError(409, 'idempotency_in_progress', 'a request with this Idempotency-Key is still being handled; retry shortly', {
      field: 'idempotency-key',
      in: 'headers',
      headers: { 'retry-after': '1' },
    });
  }
  let response: IdempotentResponse<B>;
  try {
    response = await req.work();
  } catch (err) {
    // Best effort: if Redis is down these fail too, and the claim expires on its own; say so, since
    // until then a retry with this key answers 409 "in progress".
    await req.undo?.().catch((undoErr: unknown) => reply.log.warn({ err: undoErr, idempotencyKey: req.key }, 'could not undo the failed request; its partial work stays until it expires'));
    await req.store.abandon(req.key).catch((abandonErr: unknown) => reply.log.warn({ err: abandonErr, idempotencyKey: req.key }, 'could not release the Idempotency-Key of a failed request; retries answer 409 until its claim expires'));
    throw err;
  }
  await req.store.complete(req.key, req.requestHash, response.status, response.body);
  await reply.code(response.status).send(response.body);
}
