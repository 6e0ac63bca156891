/**
 * The typed Lexamica client: mappings, stored-event subscriptions, stored events (query and a
 * paging iterator), invitation actions and state, case updates and files. Every call goes through
 * the one request function, with the API profile deciding paths, keys and field names.
 */
import { Agent, FormData, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { LexamicaError } from './errors.js';
import { defaultProfile, type ApiProfile } from './profile.js';
import { abortableSleep, createRequester, type CallOptions } from './request.js';
import { createResponseSchemas, type InvitationState, type ListResult, type Mapping, type RejectedEvent, type StoredEvent, type Subscription, type WebhookSubscription } from './response-schemas.js';
import { defaultRetryPolicy, type RetryPolicy } from './retry.js';

/** Options of {@link createLexamicaClient}. */
export interface LexamicaClientOptions {
  /** API root, e.g. `https://api.lexamica.com` (may carry a path prefix). */
  baseUrl: string;
  /** Fills `{orgId}` in every path. */
  orgId: string;
  /** Used for invitation actions, case updates, files and (by default) reading an invitation. */
  publicKey: string;
  /** Used for mappings, subscriptions and (by default) stored events. */
  privateKey: string;
  /** Default {@link defaultProfile}; build others with `resolveProfile(override)`. */
  profile?: ApiProfile;
  /** Per-attempt timeout in ms (a retry gets a fresh one). Default 15 000. */
  timeoutMs?: number;
  /** Overrides of {@link defaultRetryPolicy} (4 retries, 250 ms base, 10 s cap, 60 s longest Retry-After). */
  retry?: Partial<RetryPolicy>;
  /**
   * Where requests go (an undici `Agent`, `Pool` or `ProxyAgent`). Default: one `Agent` of this
   * package's undici, shared by every client in the process, never the process-wide global one.
   */
  dispatcher?: Dispatcher;
  /** Clock in ms, for `Retry-After` dates and durations. Default `Date.now`. */
  now?: () => number;
  /** Waits between retries; must reject when `signal` aborts. Default a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1). Default `Math.random`. */
  random?: () => number;
  /**
   * More field names holding personal data (the firm's own names for client fields), redacted
   * from error bodies in addition to the shared list. Default none.
   */
  sensitiveFields?: Iterable<string>;
  /** Called before each retry; `attempt` is 1 for the first retry. */
  onRetry?: (info: { call: string; attempt: number; delayMs: number; error: LexamicaError }) => void;
  /** Called for every HTTP response (any status), e.g. for metrics. */
  onResponse?: (info: { call: string; status: number; durationMs: number }) => void;
}

/** A stored-events query. `limit` is clamped to `profile.paging.maxLimit`; default `paging.defaultLimit`. */
export interface EventQuery {
  /** Exact event name; omitted → every subscribed type. */
  event?: string;
  /** Inclusive. */
  from?: Date | string;
  /** Inclusive. */
  to?: Date | string;
  limit?: number;
  skip?: number;
}

/** One page of stored events; `skip` and `limit` are what was sent. */
export interface EventPage {
  events: StoredEvent[];
  /** Items of the page that are not valid stored events (for the poller's quarantine). */
  rejected: RejectedEvent[];
  total?: number;
  skip: number;
  limit: number;
  /** True when the body was a bare array where the profile expected an envelope (read all the same). */
  bareArray?: boolean;
}

/** Options of `events.pages`. */
export type PagesQuery = Omit<EventQuery, 'skip' | 'limit'> & {
  /** Events per request. Default `profile.paging.defaultLimit`, clamped to `maxLimit`. */
  pageSize?: number;
  /** Safety stop: more non-empty pages than this throws a `LexamicaError`. Default 10 000. */
  maxPages?: number;
};

/** The invitation actions, as path segments are looked up in `profile.actions`. */
export type InvitationActionName = 'accept' | 'decline' | 'evaluate' | 'contact-attempted' | 'consult-complete';

/** An answer to an invitation. */
export interface InvitationActionRequest {
  mappingId: string;
  invitationId: string;
  action: InvitationActionName;
  /** In the firm's field names, e.g. `{ reason }` for a decline. Sent as JSON when given. */
  body?: Record<string, unknown>;
}

/** A file to upload (multipart). */
export interface FileUpload {
  data: Uint8Array | Blob;
  filename: string;
  /** Default `application/octet-stream` (or the Blob's type). */
  contentType?: string;
  /** More form fields, sent before the file. */
  fields?: Record<string, string>;
}

export type NewMapping = Omit<Mapping, 'id'>;
export type NewSubscription = Omit<Subscription, 'id' | 'active'> & { active?: boolean };
/** A webhook subscription to create: the `secret` Lexamica signs deliveries with travels in the body (our guess). */
export type NewWebhookSubscription = Omit<WebhookSubscription, 'id' | 'active'> & { active?: boolean; secret?: string };

export interface LexamicaClient {
  readonly profile: ApiProfile;
  mappings: {
    /** The mappings in the documented shape; one in another shape is left out (see `listChecked`). */
    list(o?: CallOptions): Promise<Mapping[]>;
    /** Every mapping: those that read, and those in a shape Lexbridge did not create, with the reason. */
    listChecked(o?: CallOptions): Promise<ListResult<Mapping>>;
    create(m: NewMapping, o?: CallOptions): Promise<Mapping>;
    update(id: string, m: NewMapping, o?: CallOptions): Promise<Mapping>;
    delete(id: string, o?: CallOptions): Promise<void>;
  };
  subscriptions: {
    /** The subscriptions in the documented shape (see `listChecked`). */
    list(o?: CallOptions): Promise<Subscription[]>;
    /** Every subscription, with those that do not read kept aside with the reason. */
    listChecked(o?: CallOptions): Promise<ListResult<Subscription>>;
    create(s: NewSubscription, o?: CallOptions): Promise<Subscription>;
    update(id: string, s: Partial<Omit<Subscription, 'id'>>, o?: CallOptions): Promise<Subscription>;
    delete(id: string, o?: CallOptions): Promise<void>;
  };
  /** Webhook subscriptions: the same events and mappings as the stored-event ones, pushed to a URL. */
  webhookSubscriptions: {
    list(o?: CallOptions): Promise<WebhookSubscription[]>;
    listChecked(o?: CallOptions): Promise<ListResult<WebhookSubscription>>;
    create(s: NewWebhookSubscription, o?: CallOptions): Promise<WebhookSubscription>;
    update(id: string, s: Partial<NewWebhookSubscription>, o?: CallOptions): Promise<WebhookSubscription>;
    delete(id: string, o?: CallOptions): Promise<void>;
  };
  events: {
    /** One page. `limit` is clamped to `paging.maxLimit`. */
    query(q: EventQuery, o?: CallOptions): Promise<EventPage>;
    /**
     * Every page from `skip` 0, advancing `skip` by the events received, until a page comes back
     * empty (a short page is not taken as the end). The empty page is not yielded. Throws a
     * `LexamicaError` past `maxPages` non-empty pages: a safety stop, never a silent truncation.
     */
    pages(q: PagesQuery, o?: CallOptions): AsyncGenerator<EventPage>;
  };
  invitations: {
    get(invitationId: string, o?: CallOptions): Promise<InvitationState>;
    /** Not retried on 5xx/timeout unless `o.idempotent`. A 409 (not open any more) → `LexamicaConflictError`. */
    act(i: InvitationActionRequest, o?: CallOptions): Promise<unknown>;
  };
  caseUpdates: {
    send(mappingId: string, body: Record<string, unknown>, o?: CallOptions): Promise<unknown>;
  };
  files: {
    upload(mappingId: string, f: FileUpload, o?: CallOptions): Promise<unknown>;
    /** Lexamica fetches the file from a URL in `body` (for files over 50 MB). */
    stream(mappingId: string, body: Record<string, unknown>, o?: CallOptions): Promise<unknown>;
    remove(mappingId: string, body: Record<string, unknown>, o?: CallOptions): Promise<unknown>;
  };
}

const ACTION_KEYS = {
  accept: 'accept',
  decline: 'decline',
  evaluate: 'evaluate',
  'contact-attempted': 'contactAttempted',
  'consult-complete': 'consultComplete',
} as const satisfies Record<InvitationActionName, keyof ApiProfile['actions']>;

function requireText(name: string, value: string): void {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`createLexamicaClient: ${name} is required`);
}

function toIso(v: Date | string | undefined): string | undefined {
  return v instanceof Date ? v.toISOString() : v;
}

// The process-wide dispatcher belongs to whichever undici ran first: on Node 24 that can be Node's
// bundled copy (after any global fetch), and this package's multipart bodies break inside it (the
// retainer upload failed as a "network error"). Requests always go through an Agent of our own.
let shared: Dispatcher | undefined;
function ownDispatcher(): Dispatcher {
  shared ??= new Agent();
  return shared;
}

/** Builds a client. Throws a `TypeError` for a missing credential or a base URL that is not http(s). */
export function createLexamicaClient(opts: LexamicaClientOptions): LexamicaClient {
  requireText('orgId', opts.orgId);
  requireText('publicKey', opts.publicKey);
  requireText('privateKey', opts.privateKey);
  let base: URL;
  try {
    base = new URL(opts.baseUrl);
  } catch {
    throw new TypeError('createLexamicaClient: baseUrl is not a valid URL');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError('createLexamicaClient: baseUrl must be http(s)');

  const profile = opts.profile ?? defaultProfile;
  const schemas = createResponseSchemas(profile);
  const request = createRequester({
    baseUrl: opts.baseUrl,
    orgId: opts.orgId,
    publicKey: opts.publicKey,
    privateKey: opts.privateKey,
    profile,
    timeoutMs: opts.timeoutMs ?? 15_000,
    retry: { ...defaultRetryPolicy, ...opts.retry },
    dispatcher: opts.dispatcher ?? ownDispatcher(),
    now: opts.now ?? Date.now,
    sleep: opts.sleep ?? abortableSleep,
    random: opts.random ?? Math.random,
    sensitiveFields: opts.sensitiveFields ?? [],
    ...(opts.onRetry ? { onRetry: opts.onRetry } : {}),
    ...(opts.onResponse ? { onResponse: opts.onResponse } : {}),
  });

  const { paging, query: qn } = profile;
  const clampLimit = (n: number | undefined): number => Math.min(paging.maxLimit, Math.max(1, Math.floor(n ?? paging.defaultLimit)));

  const query = async (q: EventQuery, o?: CallOptions): Promise<EventPage> => {
    const limit = clampLimit(q.limit);
    const skip = Math.max(0, Math.floor(q.skip ?? 0));
    const page = await request(
      {
        call: 'events.query',
        method: 'GET',
        path: 'storedEvents',
        key: profile.auth.storedEventsKey,
        query: { [qn.event]: q.event, [qn.from]: toIso(q.from), [qn.to]: toIso(q.to), [qn.limit]: limit, [qn.skip]: skip },
        idempotent: true,
        schema: schemas.storedEvents,
      },
      o,
    );
    return { events: page.items, rejected: page.rejected, ...(page.total === undefined ? {} : { total: page.total }), skip, limit, bareArray: page.bareArray };
  };

  async function* pages(q: PagesQuery, o?: CallOptions): AsyncGenerator<EventPage> {
    const { pageSize, maxPages = 10_000, ...filter } = q;
    let skip = 0;
    for (let yielded = 0; ; yielded++) {
      const page = await query({ ...filter, skip, ...(pageSize === undefined ? {} : { limit: pageSize }) }, o);
      const received = page.events.length + page.rejected.length;
      if (received === 0) return;
      if (yielded >= maxPages) {
        const request_ = request.describe({ method: 'GET', path: 'storedEvents', key: profile.auth.storedEventsKey });
        throw new LexamicaError(`more than ${maxPages} pages (maxPages) without reaching an empty page; stopped at skip ${skip}`, {
          call: 'events.pages',
          request: request_,
        });
      }
      yield page;
      skip += received;
    }
  }

  const json = (body: unknown) => ({ json: body });

  /** List, create, update and delete of a configuration resource (private key; a create is not idempotent). */
  function configResource<T, New, Patch = New>(r: {
    name: string;
    list: 'mappings' | 'subscriptions' | 'webhookSubscriptions';
    one: 'mapping' | 'subscription' | 'webhookSubscription';
    idParam: 'mappingId' | 'subscriptionId';
    updateMethod: 'PUT' | 'PATCH';
    listSchema: z.ZodType<ListResult<T>>;
    itemSchema: z.ZodType<T>;
  }) {
    const item = (id: string) => ({ path: r.one, params: { [r.idParam]: id }, key: 'private' as const, idempotent: true });
    const listChecked = (o?: CallOptions): Promise<ListResult<T>> =>
      request({ call: `${r.name}.list`, method: 'GET', path: r.list, key: 'private', idempotent: true, schema: r.listSchema }, o);
    return {
      list: async (o?: CallOptions): Promise<T[]> => (await listChecked(o)).items,
      listChecked,
      create: (body: New, o?: CallOptions): Promise<T> =>
        request({ call: `${r.name}.create`, method: 'POST', path: r.list, key: 'private', body: json(body), idempotent: false, schema: r.itemSchema }, o),
      update: (id: string, body: Patch, o?: CallOptions): Promise<T> =>
        request({ call: `${r.name}.update`, method: r.updateMethod, ...item(id), body: json(body), schema: r.itemSchema }, o),
      delete: async (id: string, o?: CallOptions): Promise<void> => {
        await request({ call: `${r.name}.delete`, method: 'DELETE', ...item(id) }, o);
      },
    };
  }

  return {
    profile,
    mappings: configResource<Mapping, NewMapping>({
      name: 'mappings',
      list: 'mappings',
      one: 'mapping',
      idParam: 'mappingId',
      updateMethod: profile.methods.updateMapping,
      listSchema: schemas.mappings,
      itemSchema: schemas.mapping,
    }),
    subscriptions: configResource<Subscription, NewSubscription, Partial<Omit<Subscription, 'id'>>>({
      name: 'subscriptions',
      list: 'subscriptions',
      one: 'subscription',
      idParam: 'subscriptionId',
      updateMethod: profile.methods.updateSubscription,
      listSchema: schemas.subscriptions,
      itemSchema: schemas.subscription,
    }),
    webhookSubscriptions: configResource<WebhookSubscription, NewWebhookSubscription, Partial<NewWebhookSubscription>>({
      name: 'webhookSubscriptions',
      list: 'webhookSubscriptions',
      one: 'webhookSubscription',
      idParam: 'subscriptionId',
      updateMethod: profile.methods.updateSubscription,
      listSchema: schemas.webhookSubscriptions,
      itemSchema: schemas.webhookSubscription,
    }),
    events: { query, pages },
    invitations: {
      get: (invitationId, o) =>
        request(
          {
            call: 'invitations.get',
            method: 'GET',
            path: 'invitation',
            params: { invitationId },
            key: profile.auth.invitationReadKey,
            idempotent: true,
            schema: schemas.invitation(invitationId),
          },
          o,
        ),
      act: (i, o) =>
        request(
          {
            call: 'invitations.act',
            method: 'POST',
            path: 'invitationAction',
            params: { mappingId: i.mappingId, invitationId: i.invitationId, action: profile.actions[ACTION_KEYS[i.action]] },
            key: 'public',
            ...(i.body === undefined ? {} : { body: json(i.body) }),
            idempotent: false,
          },
          o,
        ),
    },
    caseUpdates: {
      send: (mappingId, body, o) =>
        request({ call: 'caseUpdates.send', method: 'POST', path: 'caseUpdate', params: { mappingId }, key: 'public', body: json(body), idempotent: false }, o),
    },
    files: {
      upload: (mappingId, f, o) => {
        // undici's own FormData: its request encodes the multipart body of its own class.
        const form = new FormData();
        for (const [k, v] of Object.entries(f.fields ?? {})) form.append(k, v);
        const blob = f.data instanceof Blob
          ? f.contentType ? new Blob([f.data], { type: f.contentType }) : f.data
          : new Blob([new Uint8Array(f.data)], { type: f.contentType ?? 'application/octet-stream' });
        form.append(profile.upload.fileField, blob, f.filename);
        return request({ call: 'files.upload', method: 'POST', path: 'fileUpload', params: { mappingId }, key: 'public', body: { form }, idempotent: false }, o);
      },
      stream: (mappingId, body, o) =>
        request({ call: 'files.stream', method: 'POST', path: 'fileStream', params: { mappingId }, key: 'public', body: json(body), idempotent: false }, o),
      remove: (mappingId, body, o) =>
        request({ call: 'files.remove', method: 'POST', path: 'fileRemove', params: { mappingId }, key: 'public', body: json(body), idempotent: false }, o),
    },
  };
}
