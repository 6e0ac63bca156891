/**
 * The one error family of the Lexamica client. Every error names the call (`events.query`) and
 * carries the request's method and URL. The client builds them from redacted parts only: the URL
 * has its key cut out and `body` has personal fields replaced, so an error can be logged whole.
 */
import type { ErrorKind } from '@lexbridge/infra/errors';

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

  /** For `errorKind` (@lexbridge/infra/errors): each subclass says which failure it is. */
  get kind(): ErrorKind {
    return 'internal';
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

  override get kind(): ErrorKind {
    if (this.status === 429) return 'rate-limited';
    return this.status >= 500 ? 'lexamica-5xx' : 'lexamica-4xx';
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

  override get kind(): ErrorKind {
    return 'timeout';
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

  override get kind(): ErrorKind {
    return 'network';
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

  override get kind(): ErrorKind {
    return 'bad-response';
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

/** Which key a call sends and which profile path it requests, for {@link configurationProblem}. */
const CALL_SETTINGS: Record<string, { key: string; path: string }> = {
  'mappings.list': { key: 'LEXAMICA_PRIVATE_KEY (sent as profile auth.private)', path: 'paths.mappings' },
  'mappings.create': { key: 'LEXAMICA_PRIVATE_KEY (sent as profile auth.private)', path: 'paths.mappings' },
  'mappings.update': { key: 'LEXAMICA_PRIVATE_KEY (sent as profile auth.private)', path: 'paths.mapping' },
  'mappings.delete': { key: 'LEXAMICA_PRIVATE_KEY (sent as profile auth.private)', path: 'paths.mapping' },
  'subscriptions.list': { key: 'LEXAMICA_PRIVATE_KEY (sent as profile auth.private)', path: 'paths.subscriptions' },
  'subscriptions.create': { key: 'LEXAMICA_PRIVATE_KEY (sent as profile auth.private)', path: 'paths.subscriptions' },
  'subscriptions.update': { key: 'LEXAMICA_PRIVATE_KEY (sent as profile auth.private)', path: 'paths.subscription' },
  'subscriptions.delete': { key: 'LEXAMICA_PRIVATE_KEY (sent as profile auth.private)', path: 'paths.subscription' },
  'events.query': { key: 'the key profile auth.storedEventsKey names (default LEXAMICA_PRIVATE_KEY)', path: 'paths.storedEvents' },
  'events.pages': { key: 'the key profile auth.storedEventsKey names (default LEXAMICA_PRIVATE_KEY)', path: 'paths.storedEvents' },
  'invitations.get': { key: 'LEXAMICA_PUBLIC_KEY or LEXAMICA_PRIVATE_KEY, whichever profile auth.invitationReadKey names (default public)', path: 'paths.invitation' },
  'invitations.act': { key: 'LEXAMICA_PUBLIC_KEY (sent as profile auth.public)', path: 'paths.invitationAction' },
  'caseUpdates.send': { key: 'LEXAMICA_PUBLIC_KEY (sent as profile auth.public)', path: 'paths.caseUpdate' },
  'files.upload': { key: 'LEXAMICA_PUBLIC_KEY (sent as profile auth.public)', path: 'paths.fileUpload' },
  'files.stream': { key: 'LEXAMICA_PUBLIC_KEY (sent as profile auth.public)', path: 'paths.fileStream' },
  'files.remove': { key: 'LEXAMICA_PUBLIC_KEY (sent as profile auth.public)', path: 'paths.fileRemove' },
};

/**
 * For an error no retry can fix because Lexbridge is set up wrong (401 or 403: the key; 404: the
 * path, the organisation or the mapping id), a message that says so and names what to check:
 * the environment variable and the API profile key. Undefined for any other error.
 */
export function configurationProblem(err: unknown): string | undefined {
  if (!(err instanceof LexamicaHttpError) || ![401, 403, 404].includes(err.status)) return undefined;
  const settings = CALL_SETTINGS[err.call] ?? { key: 'LEXAMICA_PUBLIC_KEY / LEXAMICA_PRIVATE_KEY (profile auth)', path: 'paths' };
  const mapping = PATHS_WITH_A_MAPPING.has(settings.path) ? ', and that the mapping in the path exists (run `lexbridge setup`)' : '';
  const what =
    err.status === 404
      ? `Lexamica has nothing at ${err.request.method} ${err.request.url}; check profile ${settings.path}, LEXAMICA_ORG_ID and LEXAMICA_BASE_URL${mapping}`
      : `Lexamica refused the key; check ${settings.key}, and the key placement in profile auth`;
  return `configuration problem: ${err.call} answered HTTP ${err.status}: ${what}`;
}

/** Profile paths with a `{mappingId}`: a 404 there may mean the mapping is gone. */
const PATHS_WITH_A_MAPPING = new Set(['paths.invitationAction', 'paths.caseUpdate', 'paths.fileUpload', 'paths.fileStream', 'paths.fileRemove', 'paths.mapping']);

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
