/**
 * Prometheus metrics of the calls a client makes, fed by its `onResponse` and `onRetry` hooks:
 * calls by operation and status class, their latency, and retries. Every series starts at zero.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { LexamicaError } from './errors.js';
import type { ResponseInfo } from './request.js';

/** Every call the client makes, as it names them (`call` on errors, hooks and spans); metrics.test.ts checks it against the client. */
export const LEXAMICA_CALLS = [
  'events.query',
  'invitations.get',
  'invitations.act',
  'caseUpdates.send',
  'files.upload',
  'files.stream',
  'files.remove',
  // The configuration calls (`lexbridge setup`, `doctor`): list, create, update and delete of each resource.
  ...(['mappings', 'subscriptions', 'webhookSubscriptions'] as const).flatMap((resource) => (['list', 'create', 'update', 'delete'] as const).map((verb) => `${resource}.${verb}` as const)),
] as const;

/** How a call's attempt ended: the HTTP status class, or no response (`timeout`, `network`). */
export const LEXAMICA_STATUSES = ['2xx', '3xx', '4xx', '429', '5xx', 'timeout', 'network'] as const;

/** The hooks to pass to `createLexamicaClient`. */
export interface LexamicaCallHooks {
  onResponse: (info: ResponseInfo) => void;
  onRetry: (info: { call: string; attempt: number; delayMs: number; error: LexamicaError }) => void;
}

/** `429` apart from the other 4xx: a rate limit is not a client error. */
export function statusClass(status: ResponseInfo['status']): (typeof LEXAMICA_STATUSES)[number] {
  if (typeof status === 'string') return status;
  if (status === 429) return '429';
  return `${Math.min(5, Math.max(2, Math.floor(status / 100)))}xx` as '2xx' | '3xx' | '4xx' | '5xx';
}

/**
 * Registers `lexbridge_lexamica_requests_total{operation, status}`,
 * `lexbridge_lexamica_request_duration_seconds{operation}` and
 * `lexbridge_lexamica_retries_total{operation}` on `registry`, and returns the hooks that feed them.
 */
export function createLexamicaMetrics(registry: Registry): LexamicaCallHooks {
  const registers = [registry];
  const requests = new Counter({
    name: 'lexbridge_lexamica_requests_total',
    help: 'HTTP attempts made to Lexamica, by operation and status class (2xx, 3xx, 4xx, 429, 5xx; timeout and network when no response came)',
    labelNames: ['operation', 'status'],
    registers,
  });
  const duration = new Histogram({
    name: 'lexbridge_lexamica_request_duration_seconds',
    help: 'Time from sending an attempt to Lexamica to its response (or timeout), by operation',
    labelNames: ['operation'],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const retries = new Counter({ name: 'lexbridge_lexamica_retries_total', help: 'Lexamica attempts retried by the client, by operation', labelNames: ['operation'], registers });
  for (const operation of LEXAMICA_CALLS) {
    for (const status of LEXAMICA_STATUSES) requests.inc({ operation, status }, 0);
    retries.inc({ operation }, 0);
    duration.zero({ operation });
  }
  return {
    onResponse: ({ call, status, durationMs }) => {
      requests.inc({ operation: call, status: statusClass(status) });
      duration.observe({ operation: call }, durationMs / 1000);
    },
    onRetry: ({ call }) => retries.inc({ operation: call }),
  };
}
