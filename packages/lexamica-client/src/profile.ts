/**
 * The API profile: every path, key placement, parameter name, envelope, field name and event name
 * this client assumes about Lexamica's API. Lexamica does not publish most of these, so the
 * defaults follow `docs/lexamica-api.md`; a firm holding the real OpenAPI file overrides any part
 * from its YAML (`profile:`), validated here, with no code change.
 */
import { z } from 'zod';
import type { ErrorKind } from '@lexbridge/infra/errors';

/** Where a key travels: a header (with an optional scheme such as `Bearer`) or a query parameter. */
export type KeyPlacement = { in: 'header'; name: string; scheme?: string } | { in: 'query'; name: string };

/** Which of the two keys a call uses. */
export type KeyKind = 'public' | 'private';

/** The three kinds of list Lexamica answers. */
export const LIST_KINDS = ['mappings', 'subscriptions', 'storedEvents', 'webhookSubscriptions'] as const;
export type ListKind = (typeof LIST_KINDS)[number];

/** Where one kind of list response keeps its items (`''`: the body is the array) and its total (`null`: none). */
export interface ListEnvelope {
  listItems: string;
  listTotal: string | null;
}

/**
 * Everything the client assumes about Lexamica's API. Path templates may use `{orgId}`,
 * `{mappingId}`, `{subscriptionId}`, `{invitationId}` and `{action}` (each path only those that make
 * sense for it). Field and envelope names are dot paths into the JSON body.
 */
export interface ApiProfile {
  paths: {
    /** List and create mappings. Default `/organization/{orgId}/mappings`. */
    mappings: string;
    /** Update and delete one mapping. Default `/organization/{orgId}/mappings/{mappingId}`. */
    mapping: string;
    /** List and create stored-event subscriptions. Default `/organization/{orgId}/stored-event-subscriptions`. */
    subscriptions: string;
    /** Update and delete one subscription. Default `/organization/{orgId}/stored-event-subscriptions/{subscriptionId}`. */
    subscription: string;
    /** Query stored events. Default `/organization/{orgId}/stored-events`. */
    storedEvents: string;
    /** Read one invitation's state. Default `/organization/{orgId}/case-invitations/{invitationId}`. */
    invitation: string;
    /** Answer an invitation. Default `/organization/{orgId}/inbound-webhooks/case-invitation/{mappingId}/{invitationId}/{action}`. */
    invitationAction: string;
    /** Post a case update. Default `/organization/{orgId}/inbound-webhooks/case-update/{mappingId}/send`. */
    caseUpdate: string;
    /** Multipart file upload. Default `/organization/{orgId}/inbound-webhooks/case/{mappingId}/file/upload`. */
    fileUpload: string;
    /** File by URL. Default `/organization/{orgId}/inbound-webhooks/case/{mappingId}/file/stream`. */
    fileStream: string;
    /** Remove a file. Default `/organization/{orgId}/inbound-webhooks/case/{mappingId}/file/remove`. */
    fileRemove: string;
    /** List and create webhook subscriptions (our guess). Default `/organization/{orgId}/webhook-subscriptions`. */
    webhookSubscriptions: string;
    /** Update and delete one webhook subscription. Default `/organization/{orgId}/webhook-subscriptions/{subscriptionId}`. */
    webhookSubscription: string;
  };
  methods: {
    /** Default `PUT`. */
    updateMapping: 'PUT' | 'PATCH';
    /** Default `PATCH`. */
    updateSubscription: 'PUT' | 'PATCH';
  };
  auth: {
    /**
     * The scheme of the default `Authorization` header placements: `Key` (default, as a public
     * integration with Lexamica sends it: `Authorization: Key <key>`) or e.g. `Bearer`. A
     * placement written out in full (`auth.public`, `auth.private`) names its own scheme.
     */
    scheme: string;
    /** Default `Authorization: <scheme> <key>`. */
    public: KeyPlacement;
    /** Default `Authorization: <scheme> <key>`. */
    private: KeyPlacement;
    /** Key for stored-event queries. Default `private`. */
    storedEventsKey: KeyKind;
    /** Key for reading an invitation's state. Default `public`. */
    invitationReadKey: KeyKind;
  };
  /** Stored-event query parameter names. Defaults `event`, `from`, `to`, `limit`, `skip`. */
  query: { event: string; from: string; to: string; limit: string; skip: string };
  /** Defaults 50 and 100. */
  paging: { defaultLimit: number; maxLimit: number };
  /**
   * Where a list response keeps its items and total: dot paths, default `data` and `total`.
   * `listItems: ''` means the body is the bare array (then `listTotal` must be `null`).
   * `listItems`/`listTotal` apply to every list; `mappings`, `subscriptions` and `storedEvents`
   * override them for one kind of list (Lexamica may answer one list bare and another enveloped).
   * A bare array where an envelope was expected is still read (it has no total).
   */
  envelope: ListEnvelope & Record<ListKind, ListEnvelope>;
  /**
   * Field names (dot paths). `id` (default `_id`) names the id of events, mappings and
   * subscriptions; `createdAt`, `event`, `subscription`, `mapping`, `payload` are stored-event
   * fields; `invitationStatus` (`status`) and `invitationExpires` (`expires`) are read from an invitation.
   * `subscription` and `mapping` are `null` when stored events do not carry them.
   */
  fields: {
    id: string;
    createdAt: string;
    event: string;
    subscription: string | null;
    mapping: string | null;
    payload: string;
    invitationStatus: string;
    invitationExpires: string;
  };
  /** Path segment of each invitation action. Defaults `accept`, `decline`, `evaluate`, `contact-attempted`, `consult-complete`. */
  actions: { accept: string; decline: string; evaluate: string; contactAttempted: string; consultComplete: string };
  /** Fields of a 409 body: the error code (`error`) and the invitation's state (`status`). */
  conflict: { errorField: string; statusField: string };
  /** Multipart upload: the form field that carries the file. Default `file`. */
  upload: { fileField: string };
  /**
   * How Lexamica signs a webhook delivery (our guess; Lexamica publishes none): a hex HMAC-SHA256,
   * keyed with the webhook secret, over `<timestamp>.<raw body>`, in `signatureHeader` after
   * `signaturePrefix`; the unix-seconds timestamp in `timestampHeader`. A delivery whose timestamp
   * is more than `toleranceSeconds` from the receiver's clock is refused as a replay. The body of a
   * delivery is one stored event, read with `fields` like a polled one.
   */
  webhook: {
    /** Default `x-lexamica-signature`. */
    signatureHeader: string;
    /** Default `x-lexamica-timestamp`. */
    timestampHeader: string;
    /** Default `hmac-sha256` (the only scheme built in). */
    scheme: 'hmac-sha256';
    /** Text before the hex digest. Default `sha256=`; `''` for none. */
    signaturePrefix: string;
    /** Default 300. */
    toleranceSeconds: number;
  };
  /** Lexamica's event names (see `lexamica-api.md` §5). */
  events: {
    caseCreated: string;
    caseReceived: string;
    caseEdited: string;
    caseFieldsUpdated: string;
    caseStageChanged: string;
    caseDeleted: string;
    invitationSent: string;
    invitationAccepted: string;
    invitationDeclined: string;
    invitationCancelled: string;
    invitationExpired: string;
    invitationEvaluated: string;
    invitationContactAttempted: string;
    invitationConsultComplete: string;
    invitationClosed: string;
    caseUpdateMade: string;
    relayMatched: string;
    relayRejected: string;
    relayMissed: string;
    relayStopped: string;
    settlement: string;
    fileUploaded: string;
    missingInfo: string;
  };
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(o);
}

const ORG = '/organization/{orgId}';
const DEFAULT_SCHEME = 'Key';
const authorization = (scheme: string): KeyPlacement => ({ in: 'header', name: 'authorization', scheme });
const DATA_TOTAL: ListEnvelope = { listItems: 'data', listTotal: 'total' };

/** The profile from `lexamica-api.md`. Frozen: build a new one with {@link resolveProfile}. */
export const defaultProfile: ApiProfile = deepFreeze({
  paths: {
    mappings: `${ORG}/mappings`,
    mapping: `${ORG}/mappings/{mappingId}`,
    subscriptions: `${ORG}/stored-event-subscriptions`,
    subscription: `${ORG}/stored-event-subscriptions/{subscriptionId}`,
    storedEvents: `${ORG}/stored-events`,
    invitation: `${ORG}/case-invitations/{invitationId}`,
    invitationAction: `${ORG}/inbound-webhooks/case-invitation/{mappingId}/{invitationId}/{action}`,
    caseUpdate: `${ORG}/inbound-webhooks/case-update/{mappingId}/send`,
    fileUpload: `${ORG}/inbound-webhooks/case/{mappingId}/file/upload`,
    fileStream: `${ORG}/inbound-webhooks/case/{mappingId}/file/stream`,
    fileRemove: `${ORG}/inbound-webhooks/case/{mappingId}/file/remove`,
    webhookSubscriptions: `${ORG}/webhook-subscriptions`,
    webhookSubscription: `${ORG}/webhook-subscriptions/{subscriptionId}`,
  },
  methods: { updateMapping: 'PUT', updateSubscription: 'PATCH' },
  auth: { scheme: DEFAULT_SCHEME, public: authorization(DEFAULT_SCHEME), private: authorization(DEFAULT_SCHEME), storedEventsKey: 'private', invitationReadKey: 'public' },
  query: { event: 'event', from: 'from', to: 'to', limit: 'limit', skip: 'skip' },
  paging: { defaultLimit: 50, maxLimit: 100 },
  envelope: { ...DATA_TOTAL, mappings: { ...DATA_TOTAL }, subscriptions: { ...DATA_TOTAL }, storedEvents: { ...DATA_TOTAL }, webhookSubscriptions: { ...DATA_TOTAL } },
  fields: {
    id: '_id',
    createdAt: 'createdAt',
    event: 'event',
    subscription: 'subscription',
    mapping: 'mapping',
    payload: 'payload',
    invitationStatus: 'status',
    invitationExpires: 'expires',
  },
  actions: {
    accept: 'accept',
    decline: 'decline',
    evaluate: 'evaluate',
    contactAttempted: 'contact-attempted',
    consultComplete: 'consult-complete',
  },
  conflict: { errorField: 'error', statusField: 'status' },
  upload: { fileField: 'file' },
  webhook: { signatureHeader: 'x-lexamica-signature', timestampHeader: 'x-lexamica-timestamp', scheme: 'hmac-sha256', signaturePrefix: 'sha256=', toleranceSeconds: 300 },
  events: {
    caseCreated: 'Case Created',
    caseReceived: 'Case Received',
    caseEdited: 'Case Edited',
    caseFieldsUpdated: 'Case Fields Updated',
    caseStageChanged: 'Case Stage Changed',
    caseDeleted: 'Case Deleted',
    invitationSent: 'Case Invitation Sent',
    invitationAccepted: 'Case Invitation Accepted',
    invitationDeclined: 'Case Invitation Declined',
    invitationCancelled: 'Case Invitation Cancelled',
    invitationExpired: 'Case Invitation Expired',
    invitationEvaluated: 'Case Invitation Evaluated',
    invitationContactAttempted: 'Case Invitation Contact Attempted',
    invitationConsultComplete: 'Case Invitation Consult Complete',
    invitationClosed: 'Case Invitation Closed',
    caseUpdateMade: 'Case Update Made',
    relayMatched: 'Case Relay Matched',
    relayRejected: 'Case Relay Rejected',
    relayMissed: 'Case Relay Missed',
    relayStopped: 'Case Relay Stopped',
    settlement: 'Case Settlement',
    fileUploaded: 'Case File Uploaded',
    missingInfo: 'Case Missing Info',
  },
} satisfies ApiProfile);

// Which placeholders each path may use, and which it must use to address its resource.
const PLACEHOLDERS: Record<keyof ApiProfile['paths'], { allowed: string[]; required: string[] }> = {
  mappings: { allowed: ['orgId'], required: [] },
  mapping: { allowed: ['orgId', 'mappingId'], required: ['mappingId'] },
  subscriptions: { allowed: ['orgId'], required: [] },
  subscription: { allowed: ['orgId', 'subscriptionId'], required: ['subscriptionId'] },
  storedEvents: { allowed: ['orgId'], required: [] },
  invitation: { allowed: ['orgId', 'invitationId'], required: ['invitationId'] },
  invitationAction: { allowed: ['orgId', 'mappingId', 'invitationId', 'action'], required: ['invitationId', 'action'] },
  caseUpdate: { allowed: ['orgId', 'mappingId'], required: [] },
  fileUpload: { allowed: ['orgId', 'mappingId'], required: [] },
  fileStream: { allowed: ['orgId', 'mappingId'], required: [] },
  fileRemove: { allowed: ['orgId', 'mappingId'], required: [] },
  webhookSubscriptions: { allowed: ['orgId'], required: [] },
  webhookSubscription: { allowed: ['orgId', 'subscriptionId'], required: ['subscriptionId'] },
};

function pathTemplate(name: keyof ApiProfile['paths']) {
  const { allowed, required } = PLACEHOLDERS[name];
  return z
    .string()
    .regex(/^\/\S*$/, 'must be a path starting with "/" and without spaces')
    .superRefine((tpl, ctx) => {
      const used = [...tpl.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '');
      for (const u of used) {
        if (!allowed.includes(u)) ctx.addIssue({ code: 'custom', message: `unknown placeholder {${u}} (this path may use ${allowed.map((a) => `{${a}}`).join(', ')})` });
      }
      for (const r of required) {
        if (!used.includes(r)) ctx.addIssue({ code: 'custom', message: `must contain {${r}}` });
      }
    });
}

const DOT_PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;
const dotPath = z.string().regex(DOT_PATH, 'must be a field name or dot path such as _id or meta.createdAt');
const nonEmpty = z.string().min(1, 'must not be empty');
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a valid HTTP header name');

const keyPlacementSchema = z.discriminatedUnion('in', [
  z.strictObject({ in: z.literal('header'), name: headerName, scheme: nonEmpty.optional() }),
  z.strictObject({ in: z.literal('query'), name: nonEmpty }),
]);
const keyKind = z.enum(['public', 'private']);
const updateMethod = z.enum(['PUT', 'PATCH']);
const positiveInt = z.number().int().positive();

const pathsShape = Object.fromEntries(
  (Object.keys(PLACEHOLDERS) as (keyof ApiProfile['paths'])[]).map((k) => [k, pathTemplate(k)]),
) as Record<keyof ApiProfile['paths'], ReturnType<typeof pathTemplate>>;

function allOf<K extends string, S extends z.ZodType>(keys: readonly K[], schema: S): Record<K, S> {
  return Object.fromEntries(keys.map((k) => [k, schema])) as Record<K, S>;
}

const envelopeShape = { listItems: z.union([z.literal(''), dotPath]), listTotal: dotPath.nullable() };

/**
 * A partial profile as a firm writes it: every section and every field optional, unknown keys are
 * errors (so a typo is reported, never ignored). A key placement (`auth.public`, `auth.private`)
 * is replaced whole, not merged.
 */
export const profileOverrideSchema = z
  .strictObject({
    paths: z.strictObject(pathsShape).partial(),
    methods: z.strictObject({ updateMapping: updateMethod, updateSubscription: updateMethod }).partial(),
    auth: z
      .strictObject({ scheme: nonEmpty, public: keyPlacementSchema, private: keyPlacementSchema, storedEventsKey: keyKind, invitationReadKey: keyKind })
      .partial(),
    query: z.strictObject(allOf(['event', 'from', 'to', 'limit', 'skip'] as const, nonEmpty)).partial(),
    paging: z.strictObject({ defaultLimit: positiveInt, maxLimit: positiveInt }).partial(),
    envelope: z
      .strictObject({ ...envelopeShape, ...allOf(LIST_KINDS, z.strictObject(envelopeShape).partial()) })
      .partial(),
    fields: z
      .strictObject({
        ...allOf(['id', 'createdAt', 'event', 'payload', 'invitationStatus', 'invitationExpires'] as const, dotPath),
        ...allOf(['subscription', 'mapping'] as const, dotPath.nullable()),
      })
      .partial(),
    actions: z.strictObject(allOf(Object.keys(defaultProfile.actions) as (keyof ApiProfile['actions'])[], nonEmpty)).partial(),
    conflict: z.strictObject({ errorField: dotPath, statusField: dotPath }).partial(),
    upload: z.strictObject({ fileField: nonEmpty }).partial(),
    webhook: z
      .strictObject({
        signatureHeader: headerName,
        timestampHeader: headerName,
        scheme: z.literal('hmac-sha256'),
        signaturePrefix: z.string().max(40),
        toleranceSeconds: positiveInt,
      })
      .partial(),
    events: z.strictObject(allOf(Object.keys(defaultProfile.events) as (keyof ApiProfile['events'])[], nonEmpty)).partial(),
  })
  .partial();

/** A partial profile, as accepted by {@link resolveProfile}. */
export type ApiProfileOverride = z.input<typeof profileOverrideSchema>;

/** A profile override that is wrong; each problem names the override's dot path. */
export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  /** For `errorKind` (@lexbridge/infra/errors). */
  get kind(): ErrorKind {
    return 'config';
  }
  constructor(readonly problems: { path: string; message: string }[]) {
    super(`Invalid Lexamica API profile override:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
  }
}

function problemsOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.flatMap((issue) => {
    const at = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => ({ path: [...at, k].join('.'), message: 'unknown key (check the spelling against the API profile)' }));
    }
    return [{ path: at.length ? at.join('.') : '(root)', message: issue.message }];
  });
}

/**
 * The default profile with `override` applied section by section. `undefined`/`null` gives the
 * defaults. Throws {@link ProfileError} listing every problem by path.
 */
export function resolveProfile(override?: unknown): ApiProfile {
  const parsed = profileOverrideSchema.safeParse(override ?? {});
  if (!parsed.success) throw new ProfileError(problemsOf(parsed.error));
  const o = parsed.data;
  const d = defaultProfile;
  const scheme = o.auth?.scheme ?? d.auth.scheme;
  const general: ListEnvelope = {
    listItems: o.envelope?.listItems ?? d.envelope.listItems,
    listTotal: o.envelope?.listTotal !== undefined ? o.envelope.listTotal : d.envelope.listTotal,
  };
  // A kind without its own envelope uses the general one; a bare array has no total unless one is named.
  const envelopeOf = (kind: ListKind): ListEnvelope => {
    const own = o.envelope?.[kind] ?? {};
    const listItems = own.listItems ?? general.listItems;
    const listTotal = own.listTotal !== undefined ? own.listTotal : own.listItems === '' ? null : general.listTotal;
    return { listItems, listTotal };
  };
  const profile: ApiProfile = {
    paths: { ...d.paths, ...o.paths },
    methods: { ...d.methods, ...o.methods },
    auth: {
      ...d.auth,
      ...o.auth,
      scheme,
      public: o.auth?.public ?? authorization(scheme),
      private: o.auth?.private ?? authorization(scheme),
    },
    query: { ...d.query, ...o.query },
    paging: { ...d.paging, ...o.paging },
    envelope: { ...general, mappings: envelopeOf('mappings'), subscriptions: envelopeOf('subscriptions'), storedEvents: envelopeOf('storedEvents'), webhookSubscriptions: envelopeOf('webhookSubscriptions') },
    fields: { ...d.fields, ...o.fields },
    actions: { ...d.actions, ...o.actions },
    conflict: { ...d.conflict, ...o.conflict },
    upload: { ...d.upload, ...o.upload },
    // Header names are compared lower-case (Node lower-cases incoming headers).
    webhook: (({ signatureHeader, timestampHeader, ...rest }) => ({ ...rest, signatureHeader: signatureHeader.toLowerCase(), timestampHeader: timestampHeader.toLowerCase() }))({ ...d.webhook, ...o.webhook }),
    events: { ...d.events, ...o.events },
  };
  const problems: { path: string; message: string }[] = [];
  if (profile.paging.defaultLimit > profile.paging.maxLimit) {
    problems.push({ path: 'paging.defaultLimit', message: `must not exceed paging.maxLimit (${profile.paging.maxLimit})` });
  }
  // A kind's own envelope is checked only when the override gives one (else it is the general one).
  const envelopes: Array<[string, ListEnvelope]> = [
    ['envelope', general],
    ...LIST_KINDS.filter((k) => o.envelope?.[k] !== undefined).map((k): [string, ListEnvelope] => [`envelope.${k}`, profile.envelope[k]]),
  ];
  for (const [at, env] of envelopes) {
    if (env.listItems === '' && env.listTotal !== null) {
      problems.push({ path: `${at}.listTotal`, message: `must be null when ${at}.listItems is "" (a bare array has no total)` });
    }
    problems.push(...overlaps(at, { listItems: env.listItems, listTotal: env.listTotal }));
  }
  const f = profile.fields;
  problems.push(...overlaps('fields', { id: f.id, createdAt: f.createdAt, event: f.event, subscription: f.subscription, mapping: f.mapping, payload: f.payload }));
  if (problems.length) throw new ProfileError(problems);
  return deepFreeze(profile);
}

// Fields read from the same object must not name the same place, nor one inside another.
function overlaps(section: string, paths: Record<string, string | null>): { path: string; message: string }[] {
  const entries = Object.entries(paths).filter((e): e is [string, string] => !!e[1]);
  const out: { path: string; message: string }[] = [];
  entries.forEach(([name, p], i) => {
    for (const [other, q] of entries.slice(i + 1)) {
      if (p === q || q.startsWith(`${p}.`) || p.startsWith(`${q}.`)) {
        out.push({ path: `${section}.${other}`, message: `"${q}" overlaps ${section}.${name} ("${p}")` });
      }
    }
  });
  return out;
}

/**
 * The event names of an invitation's life after it was sent: Lexbridge routes these to
 * `invitation.lifecycle`. Besides the eight invitation events, the relay stopping (the invitation
 * is withdrawn and must not be answered) and Lexamica asking for missing information (a person
 * has to act) change what Lexbridge may do with a waiting invitation.
 */
export function invitationLifecycleEvents(p: ApiProfile): string[] {
  const e = p.events;
  return [
    e.invitationAccepted,
    e.invitationDeclined,
    e.invitationCancelled,
    e.invitationExpired,
    e.invitationEvaluated,
    e.invitationContactAttempted,
    e.invitationConsultComplete,
    e.invitationClosed,
    e.relayStopped,
    e.missingInfo,
  ];
}

/**
 * The event names by which a stored event is routed to its job (decision, lifecycle, case update;
 * anything else goes to the feed), whichever path brought it: polling or a webhook.
 */
export function routedEventNames(p: ApiProfile): { invitationSent: string; invitationLifecycle: string[]; caseUpdateMade: string } {
  return { invitationSent: p.events.invitationSent, invitationLifecycle: invitationLifecycleEvents(p), caseUpdateMade: p.events.caseUpdateMade };
}
