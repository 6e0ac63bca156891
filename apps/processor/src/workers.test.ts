import { describe, expect, it, vi } from 'vitest';
import { LexamicaHttpError } from '@lexbridge/lexamica-client';
import { createLogger } from '@lexbridge/infra/logger';
import { rateLimitPauseMs } from './rate-limit.js';
import { pauseQueueOn429, workerConcurrency } from './workers.js';

const request = { method: 'POST', url: 'http://127.0.0.1/x' };
const tooMany = (retryAfterMs?: number) =>
  new LexamicaHttpError({ call: 'invitations.act', request, status: 429, body: {}, ...(retryAfterMs !== undefined && { retryAfterMs }) });

describe('pausing a queue on a Lexamica 429', () => {
  it('pauses for Retry-After, 1 s without one, at most 15 minutes, and not for other errors', () => {
    expect(rateLimitPauseMs(tooMany(2_500))).toBe(2_500);
    expect(rateLimitPauseMs(tooMany())).toBe(1_000);
    expect(rateLimitPauseMs(tooMany(3_600_000))).toBe(900_000);
    expect(rateLimitPauseMs(new LexamicaHttpError({ call: 'x', request, status: 503, body: {} }))).toBeUndefined();
    expect(rateLimitPauseMs(new Error('boom'))).toBeUndefined();
  });

  it('rate-limits the queue and throws BullMQ’s rate-limit error instead of failing the attempt', async () => {
    const queue = { name: 'invitation-actions', rateLimit: vi.fn(async () => {}) };
    const logger = createLogger({ name: 't', level: 'silent' });
    const wrapped = pauseQueueOn429(queue as never, async () => Promise.reject(tooMany(700)), logger);
    await expect(wrapped({ id: 'j1' } as never)).rejects.toThrow('bullmq:rateLimitExceeded');
    expect(queue.rateLimit).toHaveBeenCalledWith(700);
    const passthrough = pauseQueueOn429(queue as never, async () => Promise.reject(new Error('other')), logger);
    await expect(passthrough({ id: 'j2' } as never)).rejects.toThrow('other');
    expect(queue.rateLimit).toHaveBeenCalledTimes(1);
  });
});

describe('worker concurrency', () => {
  it('takes a tenth as many jobs as events on the stored-event queues (batches of up to 100), at least 2', () => {
    expect(workerConcurrency('invitations', 50)).toBe(5);
    expect(workerConcurrency('inbound', 10)).toBe(2);
    expect(workerConcurrency('invitations', 1)).toBe(2);
    expect(workerConcurrency('outbound', 5)).toBe(5);
    expect(workerConcurrency('invitation-actions', 10)).toBe(10);
  });
});
