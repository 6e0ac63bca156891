/**
 * The one error family of the Lexamica client. Every error names the call (`events.query`) and
 * carries the request's method and URL. The client builds them from redacted parts only: the URL
 * has its key cut out and `body` has personal fields replaced, so an error can be logged whole.
 */

/** The request an error is about. `url` is already redacted (no key, even as a query parameter). */
export interface LexamicaRequestInfo {
  method: string;
  url: string;
}

/** What every Lexamica error is built from. */
export interface LexamicaErrorInit {
  /** The client call, e.g. `events.query`, `invitations.act`. */
  call: string;
  request: LexamicaRequestInfo;
  /** An underlying error, already redacted. */
  cause?: unknown;
}

/** Base class: a call to Lexamica failed. */
export class LexamicaError extends Error {
  readonly call: string;
  readonly request: LexamicaRequestInfo;

  constructor(problem: string, init: LexamicaErrorInit) {
    super(`${init.call}: ${problem} (${init.request.method} ${init.request.url})`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.call = init.call;
    this.request = init.request;
  }
}

/** Lexamica answered with a non-2xx status. */
export class LexamicaHttpError extends LexamicaError {
  readonly status: number;
  /** The response body (parsed JSON, or text), with personal fields redacted. */
  readonly body: unknown;
  /** From `Retry-After`, in ms, when the response carried one. */
  readonly retryAfterMs?: number;

  constructor(init: LexamicaErrorInit & { status: number; body: unknown; retryAfterMs?: number }) {
    super(`HTTP ${init.status}${describeBody(init.body)}`, init);
    this.status = init.status;
    this.body = init.body;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }
}

/**
 * 409: the action conflicts with the resource's state, e.g. answering an invitation that is
 * expired, cancelled or already answered. `state` and `code` are read through `profile.conflict`.
 */
export class LexamicaConflictError extends LexamicaHttpError {
  /** The resource's current state (`profile.conflict.statusField`), e.g. `expired`. */
  readonly state?: string;
  /** The error code (`profile.conflict.errorField`), e.g. `invitation_not_open`. */
  readonly code?: string;

  constructor(init: LexamicaErrorInit & { status: number; body: unknown; retryAfterMs?: number; state?: string; code?: string }) {
    super(init);
    if (init.state !== undefined) this.state = init.state;
    if (init.code !== undefined) this.code = init.code;
  }
}

/** No complete answer within `timeoutMs` (one attempt). */
export class LexamicaTimeoutError extends LexamicaError {
  readonly timeoutMs: number;

  constructor(init: LexamicaErrorInit & { timeoutMs: number }) {
    super(`no response within ${init.timeoutMs} ms`, init);
    this.timeoutMs = init.timeoutMs;
  }
}

/** The request did not get an HTTP answer (refused, reset, DNS). */
export class LexamicaNetworkError extends LexamicaError {
  /** The system error code, e.g. `ECONNREFUSED`, `ECONNRESET`. */
  readonly code?: string;

  constructor(init: LexamicaErrorInit & { code?: string }) {
    super(`network error${init.code ? ` (${init.code})` : ''}`, init);
    if (init.code !== undefined) this.code = init.code;
  }
}

/** A 2xx answer that is not JSON or does not have the expected shape. */
export class LexamicaResponseError extends LexamicaError {
  /** What is wrong, each as `path: problem` (e.g. `data.1._id: Invalid input: expected string, received undefined`). */
  readonly issues: string[];

  constructor(init: LexamicaErrorInit & { issues: string[] }) {
    super(`unexpected response: ${init.issues.join('; ')}`, init);
    this.issues = init.issues;
  }
}

/**
 * True for errors worth trying again in principle: 429, 408, 5xx, network and timeout. Whether a
 * given call may be retried also depends on it being idempotent (see `retryDelay`).
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof LexamicaHttpError) return err.status === 429 || err.status === 408 || err.status >= 500;
  return err instanceof LexamicaNetworkError || err instanceof LexamicaTimeoutError;
}

// A short, single-line hint from an (already redacted) error body, so the message says why.
function describeBody(body: unknown): string {
  if (body === undefined || body === null || body === '') return '';
  if (typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const parts = ['error', 'code', 'message', 'status']
      .filter((k) => typeof b[k] === 'string' || typeof b[k] === 'number')
      .map((k) => `${k}=${String(b[k])}`);
    return parts.length ? `: ${truncate(parts.join(' '))}` : '';
  }
  return typeof body === 'string' ? `: ${truncate(body.replace(/\s+/g, ' '))}` : '';
}

function truncate(s: string, max = 200): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
