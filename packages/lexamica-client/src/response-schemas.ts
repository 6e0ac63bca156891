/**
 * Zod schemas for Lexamica's responses, built from the profile's field and envelope names (dot
 * paths). Extra fields are allowed; a missing required one fails with its path in the body.
 */
import { z } from 'zod';
import type { ApiProfile, ListKind } from './profile.js';
import { MAX_EVENT_NAME_LENGTH, MAX_ID_LENGTH, storedEventSchema } from '@lexbridge/core/domain';
import { getPath } from '@lexbridge/core/mapping';

/** A stored event, its fields read through `profile.fields`. */
export interface StoredEvent {
  id: string;
  event: string;
  /** ISO 8601, as Lexamica stored it. */
  createdAt: string;
  subscriptionId?: string;
  mappingId?: string;
  /** The payload in the firm's field names (Lexamica translated it through the mapping). */
  payload: Record<string, unknown>;
}

/** A mapping as Lexamica holds it. */
export interface Mapping {
  id: string;
  name: string;
  /** `Case`, `CaseInvitation`, `CaseUpdate` or `Attachment`. */
  model: string;
  fields: { external: string; lexamica: string }[];
}

/** A stored-event subscription. */
export interface Subscription {
  id: string;
  event: string;
  /** The mapping id. */
  mapping: string;
  description?: string;
  /** Lexamica's default when absent: true. */
  active: boolean;
}

/** A webhook subscription: a subscribed event pushed to `url` as it is stored (our guess of its shape). */
export interface WebhookSubscription extends Subscription {
  url: string;
}

/** An invitation's current state, read back from Lexamica. */
export interface InvitationState {
  id: string;
  /** e.g. `open`, `evaluating`, `accepted`, `declined`, `cancelled`, `expired`, `closed`. */
  status: string;
  expires?: string;
  /** The whole body, for callers that need more than the status. */
  raw: Record<string, unknown>;
}

/** A list item the profile's schema could not read, with the reason (kept aside, never dropped silently). */
export interface RejectedItem {
  raw: unknown;
  /** Each problem as `path: message`, the path from the body's root (`data.3._id`). */
  reason: string;
}
/** A stored event that could not be read (the poller quarantines it). */
export type RejectedEvent = RejectedItem;

/** A list response, its envelope removed; items that do not parse are in `rejected`, not lost. */
export interface ListResult<T> {
  items: T[];
  rejected: RejectedItem[];
  total?: number;
  /** The body was a bare array where the profile expected an envelope (read all the same). */
  bareArray: boolean;
}

type Tree = { [k: string]: Tree | z.ZodType };

// Turns `{ 'meta.createdAt': s1, _id: s2 }` into nested loose objects, so zod reports issues at the
// real path in the body. The profile already rejects overlapping paths.
function objectAt(paths: Record<string, z.ZodType>): z.ZodType<Record<string, unknown>> {
  const root: Tree = {};
  for (const [path, schema] of Object.entries(paths)) {
    const segs = path.split('.');
    let node = root;
    segs.slice(0, -1).forEach((s) => {
      const next = node[s];
      if (next instanceof z.ZodType) throw new Error(`profile field paths overlap at "${path}"`);
      node = (next ?? (node[s] = {})) as Tree;
    });
    node[segs[segs.length - 1] as string] = schema;
  }
  const build = (t: Tree): z.ZodType<Record<string, unknown>> =>
    z.looseObject(Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v instanceof z.ZodType ? v : build(v)])));
  return build(root);
}

// Bounded (issue 18): a hostile or broken answer cannot put an unbounded string into a job or a log.
const id = z.string().min(1).max(MAX_ID_LENGTH);
const optionalString = z.string().max(MAX_ID_LENGTH).optional();

/** Every response schema, for one profile. */
export function createResponseSchemas(profile: ApiProfile) {
  const f = profile.fields;

  // Each item is parsed alone: one item in a shape Lexbridge did not expect (a mapping someone else
  // made, a malformed event) must not hide the others, nor block set-up or polling for good.
  function list<T>(kind: ListKind, item: z.ZodType<T>): z.ZodType<ListResult<T>> {
    const { listItems, listTotal } = profile.envelope[kind];
    const items = (raws: unknown[], prefix: string, rest: { total?: number; bareArray: boolean }): ListResult<T> => {
      const out: T[] = [];
      const rejected: RejectedItem[] = [];
      raws.forEach((raw, i) => {
        const r = item.safeParse(raw);
        if (r.success) out.push(r.data);
        else rejected.push({ raw, reason: r.error.issues.map((x) => `${prefix}${[i, ...x.path].join('.')}: ${x.message}`).join('; ') });
      });
      return { items: out, rejected, ...rest };
    };
    if (listItems === '') return z.array(z.unknown()).transform((raws) => items(raws, '', { bareArray: false }));
    const paths: Record<string, z.ZodType> = { [listItems]: z.array(z.unknown()) };
    if (listTotal) paths[listTotal] = z.number().int().nonnegative().optional();
    const enveloped = objectAt(paths).transform((body) => {
      const total = listTotal ? (getPath(body, listTotal) as number | undefined) : undefined;
      return items(getPath(body, listItems) as unknown[], `${listItems}.`, { bareArray: false, ...(total === undefined ? {} : { total }) });
    });
    // A bare array where an envelope was expected is read as the items (`bareArray` says so).
    return z.unknown().transform((body, ctx): ListResult<T> => {
      if (Array.isArray(body)) return items(body, '', { bareArray: true });
      const r = enveloped.safeParse(body);
      if (r.success) return r.data;
      for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      return z.NEVER;
    });
  }

  // Read through the profile's paths (an issue names Lexamica's field), then checked against the
  // domain's stored event (its bounds, non-empty ids): what passes is exactly what the poller
  // enqueues, so nothing between here and the queue parses it again.
  const storedEvent: z.ZodType<StoredEvent> = objectAt({
    [f.id]: id,
    [f.event]: z.string().min(1).max(MAX_EVENT_NAME_LENGTH),
    [f.createdAt]: z.iso.datetime({ offset: true }),
    ...(f.subscription === null ? {} : { [f.subscription]: optionalString }),
    ...(f.mapping === null ? {} : { [f.mapping]: optionalString }),
    [f.payload]: z.record(z.string(), z.unknown()),
  }).transform((raw) => {
    const subscriptionId = f.subscription === null ? undefined : (getPath(raw, f.subscription) as string | undefined);
    const mappingId = f.mapping === null ? undefined : (getPath(raw, f.mapping) as string | undefined);
    return {
      id: getPath(raw, f.id) as string,
      event: getPath(raw, f.event) as string,
      createdAt: getPath(raw, f.createdAt) as string,
      ...(subscriptionId === undefined ? {} : { subscriptionId }),
      ...(mappingId === undefined ? {} : { mappingId }),
      payload: getPath(raw, f.payload) as Record<string, unknown>,
    };
  }).pipe(storedEventSchema);

  const mapping: z.ZodType<Mapping> = objectAt({
    [f.id]: id,
    name: z.string(),
    model: z.string(),
    fields: z.array(z.looseObject({ external: z.string(), lexamica: z.string() })),
  }).transform((raw) => ({
    id: getPath(raw, f.id) as string,
    name: raw.name as string,
    model: raw.model as string,
    fields: (raw.fields as { external: string; lexamica: string }[]).map(({ external, lexamica }) => ({ external, lexamica })),
  }));

  const subscriptionFields = { [f.id]: id, event: z.string(), mapping: z.string(), description: optionalString, active: z.boolean().optional() };
  const subscriptionOf = (raw: Record<string, unknown>): Subscription => ({
    id: getPath(raw, f.id) as string,
    event: raw.event as string,
    mapping: raw.mapping as string,
    ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
    active: (raw.active as boolean | undefined) ?? true,
  });
  const subscription: z.ZodType<Subscription> = objectAt(subscriptionFields).transform(subscriptionOf);
  const webhookSubscription: z.ZodType<WebhookSubscription> = objectAt({ ...subscriptionFields, url: z.string().max(2_000) }).transform((raw) => ({
    ...subscriptionOf(raw),
    url: raw.url as string,
  }));

  // The path names the invitation, so a body without its id still answers for that id.
  const invitation = (requestedId: string): z.ZodType<InvitationState> =>
    objectAt({ [f.id]: id.optional(), [f.invitationStatus]: z.string().min(1).max(200), [f.invitationExpires]: optionalString }).transform((raw) => {
      const expires = getPath(raw, f.invitationExpires) as string | undefined;
      return {
        id: (getPath(raw, f.id) as string | undefined) ?? requestedId,
        status: getPath(raw, f.invitationStatus) as string,
        ...(expires === undefined ? {} : { expires }),
        raw,
      };
    });

  return {
    storedEvents: list('storedEvents', storedEvent),
    /** One stored event on its own (a webhook delivery's body). */
    storedEvent,
    mapping,
    mappings: list('mappings', mapping),
    subscription,
    subscriptions: list('subscriptions', subscription),
    webhookSubscription,
    webhookSubscriptions: list('webhookSubscriptions', webhookSubscription),
    invitation,
  };
}
