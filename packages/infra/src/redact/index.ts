/**
 * What must never reach a log line or an error message: credentials and a client's personal data.
 * Used by the logger and by the Lexamica client's error messages, so both redact the same things.
 */

export const REDACTED = '[Redacted]';

/**
 * Key names (compared lower-case, with `_`, `-`, `.` and spaces removed) whose values are redacted
 * wherever they appear in a logged object. Exact names, not fragments: a fragment rule also hid
 * what an operator needs (`remoteAddress`, the `address` of a refused connection). Covers
 * credentials, Lexamica's personal fields and common firm-side names; the firm's own names for
 * client fields come from its mappings (`extraKeys`), and values are also matched by pattern.
 */
export const SENSITIVE_KEYS: ReadonlySet<string> = new Set([
  // Credentials.
  'authorization', 'proxyauthorization', 'cookie', 'setcookie', 'key', 'apikey', 'xapikey', 'apitoken', 'apitokens',
  'token', 'tokens', 'accesstoken', 'refreshtoken', 'idtoken', 'bearertoken', 'secret', 'clientsecret', 'webhooksecret',
  'cmswebhooksecret', 'password', 'passwd', 'passphrase', 'credentials', 'privatekey', 'publickey',
  'lexamicaprivatekey', 'lexamicapublickey', 'redispassword',
  // A client's personal data: the whole client record, and its fields wherever they appear.
  'client', 'firstname', 'lastname', 'middlename', 'fullname', 'givenname', 'familyname', 'surname', 'clientname',
  'clientfirstname', 'clientlastname', 'clientfullname', 'email', 'emailaddress', 'clientemail', 'phone',
  'phonenumber', 'clientphone', 'mobile', 'mobilephone', 'cellphone', 'homephone', 'workphone', 'telephone',
  'street', 'streetaddress', 'homeaddress', 'mailingaddress', 'postaladdress', 'clientaddress', 'addressline1',
  'addressline2', 'zip', 'zipcode', 'postcode', 'postalcode', 'dob', 'dateofbirth', 'birthdate', 'birthday',
  'ssn', 'socialsecurity', 'socialsecuritynumber', 'taxid',
]);

/**
 * Keys sensitive under one parent only (`parent.key`, normalised): the arguments of a Redis command
 * that an ioredis error carries (`err.command.args`) hold job payloads, and so client data.
 */
const SENSITIVE_PATHS: ReadonlySet<string> = new Set(['command.args']);

function normalise(key: string): string {
  return key.toLowerCase().replace(/[_\-.\s]/g, '');
}

/** True when a value stored under `key` must not be logged. */
export function isSensitiveKey(key: string, extraKeys: ReadonlySet<string> = EMPTY): boolean {
  const k = normalise(key);
  return SENSITIVE_KEYS.has(k) || extraKeys.has(k);
}

const EMPTY: ReadonlySet<string> = new Set();

/** Options for the redaction functions. */
export interface RedactOptions {
  /** Literal secret values (keys, tokens) to cut out of any string, wherever they appear. */
  secrets?: ReadonlyArray<string | undefined>;
  /** More key names to treat as sensitive (e.g. the firm's own names for client fields). */
  extraKeys?: Iterable<string>;
}

/** A compiled redactor: cheap to call per log line. */
export interface Redactor {
  /** Deep copy of `value` with sensitive keys replaced and secret values cut from strings. */
  value<T>(value: T): T;
  /**
   * `text` with every secret value, `key=`/`token=` query value, bearer token, credentials of a URL
   * (`redis://user:<password>@host`) and e-mail address replaced.
   */
  text(text: string): string;
}

const QUERY_SECRET = /([?&](?:key|token|api_key|apikey|access_token)=)[^&\s"']+/gi;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;
// The user information of a URL: `//user:password@` keeps the user (an ACL name), `//token@` goes.
const URL_CREDENTIALS = /\/\/([^\s/?#@:]*:)?[^\s/?#@]+@/g;
// The lookbehind starts a match only where a run of local-part characters starts: without it, a
// long run with no @ is rescanned from each of its positions (quadratic: 100 000 characters took
// seconds). `npm run lint` (eslint-plugin-regexp) refuses such patterns anywhere in the code.
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

export function createRedactor(opts: RedactOptions = {}): Redactor {
  // Longest first, so a secret that contains another is cut whole. Very short strings are not
  // treated as secrets: cutting every "a" would make logs unreadable and protects nothing.
  const secrets = [...new Set((opts.secrets ?? []).filter((s): s is string => !!s && s.length >= 6))].sort(
    (a, b) => b.length - a.length,
  );
  const extra = new Set([...(opts.extraKeys ?? [])].map(normalise));

  const text = (input: string): string => {
    let out = input;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out
      .replace(QUERY_SECRET, `$1${REDACTED}`)
      .replace(BEARER, `$1${REDACTED}`)
      .replace(URL_CREDENTIALS, (_, user: string | undefined) => `//${user ?? ''}${REDACTED}@`)
      .replace(EMAIL, REDACTED);
  };

  const hidden = (parent: string | undefined, k: string) => isSensitiveKey(k, extra) || (parent !== undefined && SENSITIVE_PATHS.has(`${normalise(parent)}.${normalise(k)}`));

  const walk = (v: unknown, depth: number, seen: WeakSet<object>, parent?: string): unknown => {
    if (typeof v === 'string') return text(v);
    if (v === null || typeof v !== 'object') return v;
    if (depth > 12 || seen.has(v)) return '[Truncated]';
    seen.add(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1, seen));
    if (v instanceof Error) {
      // Stay an Error (so pino's serializer still sees one), with message, stack and own fields cleaned.
      const copy = new Error(text(v.message));
      copy.name = v.name;
      copy.stack = v.stack ? text(v.stack) : undefined;
      for (const [k, x] of Object.entries(v)) {
        (copy as unknown as Record<string, unknown>)[k] = isSensitiveKey(k, extra) ? REDACTED : walk(x, depth + 1, seen, k);
      }
      Object.setPrototypeOf(copy, Object.getPrototypeOf(v));
      return copy;
    }
    if (v instanceof Date) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = hidden(parent, k) && x !== undefined && x !== null ? REDACTED : walk(x, depth + 1, seen, k);
    }
    return out;
  };

  return {
    value: <T>(value: T): T => walk(value, 0, new WeakSet()) as T,
    text,
  };
}

/**
 * `url` with any user name and password replaced (`redis://:[Redacted]@host:6379/0`), for printing a
 * connection string to a console or a log. Text that is not a URL comes back with anything between
 * `//` and `@` cut, so a malformed URL cannot leak its password either.
 */
export function maskUrlCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    // A user name alone may be the secret (redis://<token>@host); with a password it is an ACL user.
    const user = u.password ? u.username : REDACTED;
    const password = u.password ? `:${REDACTED}` : '';
    return `${u.protocol}//${user}${password}@${u.host}${u.pathname === '/' && !url.endsWith('/') ? '' : u.pathname}${u.search}`;
  } catch {
    const at = url.lastIndexOf('@');
    const scheme = url.indexOf('//');
    return at > scheme && scheme >= 0 ? `${url.slice(0, scheme + 2)}${REDACTED}${url.slice(at)}` : url;
  }
}

/**
 * The credentials a connection URL carries (its password, or a user name standing alone, raw and
 * percent-decoded), for a logger's `secrets`: cut out of any text that would print them.
 */
export function urlCredentials(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const u = new URL(url);
    const raw = u.password || u.username;
    if (!raw) return [];
    let decoded = raw;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      // Not valid percent-encoding: the raw form is the only one that can appear.
    }
    return [...new Set([raw, decoded])];
  } catch {
    // Not a URL (config parsing refuses such a REDIS_URL before any logger exists): nothing to add.
    return [];
  }
}
