/** Stored-event subscriptions (lexamica-api.md §3): one per event type, each naming a mapping. */
import { z } from 'zod';
import { HttpError, notFound, parseOr400 } from '../http-error.js';

/** A subscription as the sandbox keeps it; a webhook subscription also has the `url` it pushes to and the `secret` it signs with. */
export interface SubscriptionRecord {
  _id: string;
  event: string;
  mapping: string;
  description?: string;
  active: boolean;
  url?: string;
  secret?: string;
}

const createSchema = z.object({
  event: z.string({ error: 'is required' }).trim().min(1, 'is required'),
  mapping: z.string({ error: 'is required' }).trim().min(1, 'is required'),
  description: z.string().optional(),
  active: z.boolean().default(true),
});
const webhookCreateSchema = createSchema.extend({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  secret: z.string().min(16, 'must be at least 16 characters').optional(),
});

export interface SubscriptionRegistry {
  list(): SubscriptionRecord[];
  /** The subscription for an event name, active or not. */
  forEvent(event: string): SubscriptionRecord | undefined;
  usesMapping(mappingId: string): boolean;
  create(body: unknown): SubscriptionRecord;
  update(id: string, body: unknown): SubscriptionRecord;
  remove(id: string): void;
}

/**
 * `mappingExists` checks the `mapping` field; `knownEvent` the event name against the profile's
 * (an event Lexamica does not have is a 400, as a real API with an enum would answer).
 */
export function createSubscriptionRegistry(
  nextId: () => string,
  mappingExists: (id: string) => boolean,
  knownEvent: (name: string) => boolean,
  kind: 'stored-event' | 'webhook' = 'stored-event',
): SubscriptionRegistry {
  const schema: z.ZodType<Omit<SubscriptionRecord, '_id'>> = kind === 'webhook' ? webhookCreateSchema : createSchema;
  const patchSchema = (kind === 'webhook' ? webhookCreateSchema : createSchema).partial().extend({ active: z.boolean().optional() });
  const records = new Map<string, SubscriptionRecord>();
  const check = (s: Omit<SubscriptionRecord, '_id'>, self?: string): void => {
    if (!knownEvent(s.event)) {
      throw new HttpError(400, 'invalid_request', `event: "${s.event}" is not an event this API stores`, { issues: [{ path: 'event', message: 'unknown event' }] });
    }
    if (!mappingExists(s.mapping)) {
      throw new HttpError(400, 'invalid_request', `mapping: mapping ${s.mapping} does not exist`, { issues: [{ path: 'mapping', message: 'does not exist' }] });
    }
    const other = [...records.values()].find((r) => r.event === s.event && r._id !== self);
    if (other) throw new HttpError(409, 'subscription_exists', `a subscription for "${s.event}" already exists (${other._id})`, { subscription: other._id });
  };
  return {
    list: () => [...records.values()],
    forEvent: (event) => [...records.values()].find((r) => r.event === event),
    usesMapping: (mappingId) => [...records.values()].some((r) => r.mapping === mappingId),
    create(body) {
      const parsed = parseOr400(schema, body);
      check(parsed);
      const record: SubscriptionRecord = { _id: nextId(), ...parsed };
      records.set(record._id, record);
      return record;
    },
    update(id, body) {
      const current = records.get(id);
      if (!current) throw notFound('subscription', id);
      const patch = parseOr400(patchSchema, body);
      const next: SubscriptionRecord = { ...current, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
      check(next, id);
      records.set(id, next);
      return next;
    },
    remove(id) {
      if (!records.delete(id)) throw notFound('subscription', id);
    },
  };
}
