/**
 * `GET /stored-events` (lexamica-api.md §4), private key: `event`, `from` and `to` (inclusive,
 * ISO 8601), `limit` (default 50, 1..100, anything else is a 400), `skip`; sorted by createdAt.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseOr400 } from '../http-error.js';
import type { SandboxState } from '../state/sandbox-state.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const querySchema = z.object({
  event: z.string().min(1, 'must not be empty').optional(),
  from: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
  to: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
  limit: wholeNumber(1, MAX_LIMIT).default(DEFAULT_LIMIT),
  skip: wholeNumber(0, Number.MAX_SAFE_INTEGER).default(0),
});

export function storedEventRoutes(app: FastifyInstance, state: SandboxState): void {
  app.get('/stored-events', { config: { key: 'private' } }, async (request) => {
    const q = parseOr400(querySchema, request.query);
    state.applyRetention();
    return state.events.query({
      ...(q.event === undefined ? {} : { event: q.event }),
      ...(q.from === undefined ? {} : { fromMs: Date.parse(q.from) }),
      ...(q.to === undefined ? {} : { toMs: Date.parse(q.to) }),
      limit: q.limit,
      skip: q.skip,
    });
  });
}
