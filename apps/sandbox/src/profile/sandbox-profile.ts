/**
 * The API the sandbox serves, as a profile: every path and method, where each key travels, the
 * stored-event query's parameter names and page limits, the envelope of each kind of list, the
 * field names of stored-event rows and invitations, the action segments, the 409 body, the upload
 * field and the event names. It reads the same `profile:` YAML a firm writes for Lexbridge, with
 * its own parser and its own defaults (lexamica-api.md), so a firm can try its override here first.
 */
import { z } from 'zod';

/** Where a key is looked for. */
export type KeySpot = { in: 'header'; name: string; scheme?: string } | { in: 'query'; name: string };
export type KeyName = 'public' | 'private';

/** The three kinds of list the sandbox answers, each with its own envelope. */
export const LISTS = ['mappings', 'subscriptions', 'storedEvents', 'webhookSubscriptions'] as const;
export type ListName = (typeof LISTS)[number];

/** The firm's answers to an invitation, by their meaning. */
export const ANSWERS = ['accept', 'decline', 'evaluate', 'contactAttempted', 'consultComplete'] as const;
export type Answer = (typeof ANSWERS)[number];

/** Every event the seeds name, by meaning, with the default spelling (lexamica-api.md §5). */
export const EVENT_DEFAULTS = {
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
} as const;
export type EventKey = keyof typeof EVENT_DEFAULTS;

/** Each route of the API: its path template (placeholders `{orgId}`, `{mappingId}`, …). */
const ROUTE_DEFAULTS = {
  mappings: '/organization/{orgId}/mappings',
  mapping: '/organization/{orgId}/mappings/{mappingId}',
  subscriptions: '/organization/{orgId}/stored-event-subscriptions',
  subscription: '/organization/{orgId}/stored-event-subscriptions/{subscriptionId}',
  storedEvents: '/organization/{orgId}/stored-events',
  invitation: '/organization/{orgId}/case-invitations/{invitationId}',
  invitationAction: '/organization/{orgId}/inbound-webhooks/case-invitation/{mappingId}/{invitationId}/{action}',
  caseUpdate: '/organization/{orgId}/inbound-webhooks/case-update/{mappingId}/send',
  fileUpload: '/organization/{orgId}/inbound-webhooks/case/{mappingId}/file/upload',
  fileStream: '/organization/{orgId}/inbound-webhooks/case/{mappingId}/file/stream',
  fileRemove: '/organization/{orgId}/inbound-webhooks/case/{mappingId}/file/remove',
  webhookSubscriptions: '/organization/{orgId}/webhook-subscriptions',
  webhookSubscription: '/organization/{orgId}/webhook-subscriptions/{subscriptionId}',
};
export type RouteName = keyof typeof ROUTE_DEFAULTS;

/** The API the sandbox serves (see the module comment). */
export interface SandboxProfile {
  routes: Record<RouteName, string>;
  updateMethods: { mapping: 'PUT' | 'PATCH'; subscription: 'PUT' | 'PATCH' };
  keys: Record<KeyName, KeySpot> & { storedEvents: KeyName; invitationRead: KeyName };
  params: { event: string; from: string; to: string; limit: string; skip: string };
  paging: { defaultLimit: number; maxLimit: number };
  /** Per kind of list: where the items go (`''`: the body is the array) and the total (`null`: none). */
  lists: Record<ListName, { items: string; total: string | null }>;
  /** Where fields go in a stored-event row and an invitation; `null` leaves the field out of rows. */
  rows: {
    id: string;
    createdAt: string;
    event: string;
    subscription: string | null;
    mapping: string | null;
    payload: string;
    invitationStatus: string;
    invitationExpires: string;
  };
  answers: Record<Answer, string>;
  conflict: { code: string; state: string };
  uploadField: string;
  /** How pushes are signed: hex HMAC-SHA256 over `<unix seconds>.<body>`, after `prefix`. */
  webhook: { signatureHeader: string; timestampHeader: string; prefix: string };
  events: Record<EventKey, string>;
}

const text = z.string().min(1, 'must not be empty');
const dotted = z.string().regex(/^[\w$-]+(\.[\w$-]+)*$/, 'must be a field name or dot path');
const route = z.string().regex(/^\/\S*$/, 'must start with "/"');
const spot = z.union([
  z.strictObject({ in: z.literal('header'), name: text, scheme: text.optional() }),
  z.strictObject({ in: z.literal('query'), name: text }),
]);
const which = z.enum(['public', 'private']);
const method = z.enum(['PUT', 'PATCH']);
const envelope = z.strictObject({ listItems: z.union([z.literal(''), dotted]), listTotal: dotted.nullable() }).partial();
const keyed = <K extends string>(keys: readonly K[], schema: z.ZodType) =>
  z.strictObject(Object.fromEntries(keys.map((k) => [k, schema])) as Record<K, z.ZodType>).partial();

/** The `profile:` section a firm writes, every key optional; unknown keys are errors. */
const overrideSchema = z
  .strictObject({
    paths: keyed(Object.keys(ROUTE_DEFAULTS) as RouteName[], route),
    methods: z.strictObject({ updateMapping: method, updateSubscription: method }).partial(),
    auth: z.strictObject({ scheme: text, public: spot, private: spot, storedEventsKey: which, invitationReadKey: which }).partial(),
    query: keyed(['event', 'from', 'to', 'limit', 'skip'], text),
    paging: z.strictObject({ defaultLimit: z.number().int().positive(), maxLimit: z.number().int().positive() }).partial(),
    envelope: envelope.extend(Object.fromEntries(LISTS.map((l) => [l, envelope.optional()])) as Record<ListName, z.ZodOptional<typeof envelope>>),
    fields: z
      .strictObject({
        id: dotted,
        createdAt: dotted,
        event: dotted,
        subscription: dotted.nullable(),
        mapping: dotted.nullable(),
        payload: dotted,
        invitationStatus: dotted,
        invitationExpires: dotted,
      })
      .partial(),
    actions: keyed(ANSWERS, text),
    conflict: z.strictObject({ errorField: dotted, statusField: dotted }).partial(),
    upload: z.strictObject({ fileField: text }).partial(),
    webhook: z
      .strictObject({ signatureHeader: text, timestampHeader: text, scheme: z.literal('hmac-sha256'), signaturePrefix: z.string(), toleranceSeconds: z.number().int().positive() })
      .partial(),
    events: keyed(Object.keys(EVENT_DEFAULTS) as EventKey[], text),
  })
  .partial();
type Override = z.infer<typeof overrideSchema>;

/** A profile the sandbox cannot serve; each problem names the YAML key under `profile:`. */
export class SandboxProfileError extends Error {
  constructor(readonly problems: string[]) {
    super(`the sandbox cannot serve this profile:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The default profile with `raw` (a parsed `profile:` section) laid over it. */
export function buildProfile(raw: unknown = {}): SandboxProfile {
  const parsed = overrideSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new SandboxProfileError(
      parsed.error.issues.map((i) => {
        const at = i.path.join('.') || '(profile)';
        return i.code === 'unrecognized_keys' ? `${at}: unknown key ${i.keys.join(', ')}` : `${at}: ${i.message}`;
      }),
    );
  }
  const o: Override = parsed.data;
  const scheme = o.auth?.scheme ?? 'Key';
  const items = o.envelope?.listItems ?? 'data';
  const total = o.envelope?.listTotal === undefined ? 'total' : o.envelope.listTotal;
  const list = (name: ListName) => {
    const own = o.envelope?.[name];
    const ownItems = own?.listItems ?? items;
    return { items: ownItems, total: own?.listTotal !== undefined ? own.listTotal : own?.listItems === '' ? null : ownItems === '' ? null : total };
  };
  const profile: SandboxProfile = {
    routes: { ...ROUTE_DEFAULTS, ...(o.paths as Partial<Record<RouteName, string>>) },
    updateMethods: { mapping: o.methods?.updateMapping ?? 'PUT', subscription: o.methods?.updateSubscription ?? 'PATCH' },
    keys: {
      public: o.auth?.public ?? { in: 'header', name: 'authorization', scheme },
      private: o.auth?.private ?? { in: 'header', name: 'authorization', scheme },
      storedEvents: o.auth?.storedEventsKey ?? 'private',
      invitationRead: o.auth?.invitationReadKey ?? 'public',
    },
    params: { event: 'event', from: 'from', to: 'to', limit: 'limit', skip: 'skip', ...(o.query as Partial<SandboxProfile['params']>) },
    paging: { defaultLimit: o.paging?.defaultLimit ?? 50, maxLimit: o.paging?.maxLimit ?? 100 },
    lists: { mappings: list('mappings'), subscriptions: list('subscriptions'), storedEvents: list('storedEvents'), webhookSubscriptions: list('webhookSubscriptions') },
    rows: {
      id: '_id',
      createdAt: 'createdAt',
      event: 'event',
      subscription: 'subscription',
      mapping: 'mapping',
      payload: 'payload',
      invitationStatus: 'status',
      invitationExpires: 'expires',
      ...o.fields,
    },
    answers: {
      accept: 'accept',
      decline: 'decline',
      evaluate: 'evaluate',
      contactAttempted: 'contact-attempted',
      consultComplete: 'consult-complete',
      ...(o.actions as Partial<Record<Answer, string>>),
    },
    conflict: { code: o.conflict?.errorField ?? 'error', state: o.conflict?.statusField ?? 'status' },
    uploadField: o.upload?.fileField ?? 'file',
    webhook: {
      signatureHeader: o.webhook?.signatureHeader ?? 'x-lexamica-signature',
      timestampHeader: o.webhook?.timestampHeader ?? 'x-lexamica-timestamp',
      prefix: o.webhook?.signaturePrefix ?? 'sha256=',
    },
    events: { ...EVENT_DEFAULTS, ...(o.events as Partial<Record<EventKey, string>>) },
  };
  const problems: string[] = [];
  if (profile.paging.defaultLimit > profile.paging.maxLimit) problems.push('paging.defaultLimit: is above paging.maxLimit');
  const names = Object.values(profile.events);
  if (new Set(names).size !== names.length) problems.push('events: two events share one name');
  if (new Set(Object.values(profile.answers)).size !== ANSWERS.length) problems.push('actions: two actions share one segment');
  if (problems.length) throw new SandboxProfileError(problems);
  return profile;
}
