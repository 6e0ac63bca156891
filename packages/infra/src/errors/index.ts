/**
 * One classification of errors, for metric labels, logs, start-up and the API's answer. An error
 * family says its own kind with a `kind` getter (the Lexamica client's errors, the configuration
 * errors, {@link TimeoutError}); the platform's errors (aborts, ioredis connection failures) are
 * recognised here, in the one place that knows their shapes.
 */

/** Every kind {@link errorKind} answers. */
export const ERROR_KINDS = [
  /** A setting is wrong (environment, firm YAML, identities, API profile): the message names it. */
  'config',
  /** Redis is unreachable, or a command could not be sent or answered in time. */
  'redis-unavailable',
  /** Lexamica answered 429. */
  'rate-limited',
  'lexamica-4xx',
  'lexamica-5xx',
  /** No answer within the time allowed. */
  'timeout',
  /** No HTTP answer at all (refused, reset, DNS). */
  'network',
  /** A 2xx answer of the wrong shape. */
  'bad-response',
  /** The work was cancelled (an AbortSignal fired). */
  'aborted',
  /** Anything else: a bug until shown otherwise. */
  'internal',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

const KINDS: ReadonlySet<string> = new Set(ERROR_KINDS);

// What ioredis and BullMQ say when the connection is away or a command timed out: their errors are
// plain Errors (MaxRetriesPerRequestError is not exported), so the message is all there is.
// Redis' own replies while it cannot serve for a moment (loading its data after a restart, a
// replica after a failover, a cluster slot moving, a busy script) start with their code; with no
// ready check (it needs INFO, which a least-privilege user may lack) a restart shows as LOADING.
const REDIS_DOWN = /Stream isn't writeable|enableOfflineQueue|Connection is closed|Command timed out|Reached the max retries|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|^(?:LOADING|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|BUSY) /;

/** The kind of `err`; `internal` for anything not recognised (and for non-errors). */
export function errorKind(err: unknown): ErrorKind {
  if (!(err instanceof Error)) return 'internal';
  const declared = (err as { kind?: unknown }).kind;
  if (typeof declared === 'string' && KINDS.has(declared)) return declared as ErrorKind;
  // AbortController.abort() and AbortSignal.timeout() reject with these DOMExceptions.
  if (err instanceof DOMException && (err.name === 'AbortError' || err.name === 'TimeoutError')) return 'aborted';
  if (REDIS_DOWN.test(err.message)) return 'redis-unavailable';
  return 'internal';
}

/**
 * A configuration problem's message, or undefined when `err` is something else: what a service or
 * the command line prints, alone, when it cannot start (the message names the variable, file or
 * path to fix; a stack would only hide it).
 */
export function startupProblem(err: unknown): string | undefined {
  const kind = errorKind(err);
  return kind === 'config' || kind === 'redis-unavailable' ? (err as Error).message : undefined;
}
