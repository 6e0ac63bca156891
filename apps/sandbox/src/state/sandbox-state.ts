/**
 * Everything the sandbox holds, in memory: the organisation, its mappings and subscriptions, the
 * stored events, invitations, actions, case updates and files, and the event emitter that turns
 * something happening into a stored event for an active subscription (named by the profile,
 * renamed into the firm's fields through the subscription's mapping).
 */
import type { FaultInjector } from '../faults/fault-injector.js';
import type { Misbehaviour } from '../misbehaviour/misbehaviour.js';
import type { EventKey, SandboxProfile } from '../profile/sandbox-profile.js';
import { createIdFactory, createRandom, type IdFactory } from '../random.js';
import { createWebhookPusher, type WebhookPusher, type WebhookStats } from '../webhooks/webhook-pusher.js';
import { createCaseActivity, type CaseActivity } from './case-activity.js';
import { createCaseUpdateLog, type CaseUpdateLog } from './case-updates.js';
import { createEventStore, type EventStore, type StoredEventRecord } from './event-store.js';
import { createFileLog, type FileLog } from './files.js';
import { createActionHandler, type ActionEntry, type ActionInput } from './invitation-actions.js';
import { createInvitationBook, isOpen, type EmittedObject, type InvitationBook, type InvitationDoc } from './invitations.js';
import { createMappingRegistry, type MappingRegistry } from './mappings.js';
import { createSubscriptionRegistry, type SubscriptionRegistry } from './subscriptions.js';

export type { EmittedObject } from './invitations.js';

/** The one organisation the sandbox serves: its id and both keys. */
export interface SandboxOrg {
  id: string;
  /** Inbound webhooks (actions, case updates, files) and reading an invitation. */
  publicKey: string;
  /** Mappings, subscriptions and stored events. */
  privateKey: string;
}

/** What `GET /__sandbox/stats` returns. */
export interface SandboxStats {
  invitations: {
    sent: number;
    /** Open or evaluating now. */
    open: number;
    /** Answered by the firm (accept, decline or evaluate succeeded at least once). */
    acted: number;
    /** Expired without any answer from the firm. */
    expiredUnanswered: number;
    byStatus: Record<string, number>;
  };
  actions: { total: number; ok: number; conflict: number; duplicate: number; afterExpiry: number; ignored: number };
  caseUpdates: { received: number; total: number; repeated: number };
  files: { received: number; removed: number };
  /** `byEvent`: stored events by name, as the profile names them. */
  events: { stored: number; retained: number; byEvent: Record<string, number> };
  /** Faults injected so far: how many, and by kind. */
  faults: { injected: number; byKind: ReturnType<FaultInjector['counts']>['byKind'] };
  misbehaviour: { on: string[]; applied: Record<string, number> };
  /** Webhook pushes (only for events with an active webhook subscription). */
  webhooks: WebhookStats;
}

export interface SandboxState {
  readonly seed: number;
  readonly org: SandboxOrg;
  readonly profile: SandboxProfile;
  now(): number;
  readonly ids: IdFactory;
  /** Bumped by `reset()`: ids and invitations of a new epoch never repeat older ones. */
  readonly epoch: number;
  readonly retentionMs: number;
  readonly mappings: MappingRegistry;
  readonly subscriptions: SubscriptionRegistry;
  /** Webhook subscriptions: the same events and mappings, pushed to a URL. */
  readonly webhookSubscriptions: SubscriptionRegistry;
  /** Pushes stored events to the webhook subscriptions, with faults. */
  readonly webhooks: WebhookPusher;
  readonly events: EventStore;
  readonly faults: FaultInjector;
  readonly misbehaviour: Misbehaviour;
  readonly invitations: InvitationBook;
  readonly cases: CaseActivity;
  readonly actions: ActionEntry[];
  readonly caseUpdates: CaseUpdateLog;
  readonly files: FileLog;
  /** Applies a firm action to an invitation (throws the HttpError to answer with). */
  act(input: ActionInput): InvitationDoc;
  /**
   * Stores `object` (in Lexamica's names) as the profile's name of `event` when an active
   * subscription wants it. A function receives the subscription mapping's model, for objects
   * shaped by it. `atMs` (default now) is when it happened.
   */
  emit(event: EventKey, object: EmittedObject, atMs?: number): StoredEventRecord | undefined;
  /** Drops events older than the retention period. */
  applyRetention(): void;
  /**
   * Sends an invitation whose events are stored now with `sentAtMs` as their time (the
   * `shifting-pages` misbehaviour: stored late, they sort before rows a reader has paged).
   */
  storeLateInvitation(sentAtMs: number): void;
  /** Where `storeLateInvitation` gets its invitation (the scenario sets it). */
  setLateInvitationSource(send: (atMs: number) => void): void;
  stats(): SandboxStats;
  /** Forgets invitations, actions, updates, files, events and fault counts; keeps mappings and subscriptions. */
  reset(): void;
}

export interface SandboxStateOptions {
  seed: number;
  org: SandboxOrg;
  profile: SandboxProfile;
  now: () => number;
  retentionMs: number;
  evaluateExtensionMs: number;
  faults: FaultInjector;
  misbehaviour: Misbehaviour;
}

export function createSandboxState(opts: SandboxStateOptions): SandboxState {
  // Ids hash (seed, epoch, kind, n): ids made after a reset never repeat those made before it.
  const ids = createIdFactory(opts.seed);
  const { profile } = opts;
  let epoch = 0;
  let storedCount = 0;
  let byEvent: Record<string, number> = {};
  const events = createEventStore();
  const mappings = createMappingRegistry(() => ids.next('mapping'));
  const eventNames = new Set(Object.values(profile.events));
  const subscriptions = createSubscriptionRegistry(() => ids.next('subscription'), (id) => mappings.get(id) !== undefined, (name) => eventNames.has(name));
  const webhookSubscriptions = createSubscriptionRegistry(() => ids.next('webhook-subscription'), (id) => mappings.get(id) !== undefined, (name) => eventNames.has(name), 'webhook');
  const webhooks = createWebhookPusher({ profile, subscriptions: webhookSubscriptions, now: opts.now, random: createRandom(opts.seed ^ 0x77ebb00c) });
  const actions: ActionEntry[] = [];

  const emit = (key: EventKey, object: EmittedObject, atMs = opts.now()): StoredEventRecord | undefined => {
    const event = profile.events[key];
    const sub = subscriptions.forEvent(event);
    if (!sub || !sub.active) return undefined;
    const mapping = mappings.require(sub.mapping);
    const plan = opts.faults.planEvent(atMs);
    const record: StoredEventRecord = {
      _id: ids.next('event'),
      event,
      subscription: sub._id,
      mapping: sub.mapping,
      createdAt: new Date(plan.atMs).toISOString(),
      payload: mappings.compiled(sub.mapping).toFirm(typeof object === 'function' ? object(mapping.model) : object),
    };
    const copies = plan.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) events.insert(record, plan.atMs);
    storedCount += copies;
    byEvent[event] = (byEvent[event] ?? 0) + copies;
    webhooks.stored(record);
    return record;
  };

  const ctx = { now: opts.now, emit };
  let lateInvitation: ((atMs: number) => void) | undefined;
  const invitations = createInvitationBook(ctx);
  const cases = createCaseActivity({ ...ctx, invitations });
  const caseUpdates = createCaseUpdateLog({ ...ctx, seed: opts.seed, nextId: () => ids.next('case-update'), mappings, invitations });
  const files = createFileLog({ ...ctx, nextId: () => ids.next('file'), mappings, invitations });
  const act = createActionHandler({
    now: opts.now,
    mappings,
    invitations,
    log: actions,
    evaluateExtensionMs: opts.evaluateExtensionMs,
    onAccepted: (record) => cases.received(record),
    ignore: () => {
      if (!opts.misbehaviour.has('ignored-actions')) return false;
      opts.misbehaviour.count('ignored-actions');
      return true;
    },
  });

  return {
    seed: opts.seed,
    org: opts.org,
    profile,
    now: opts.now,
    ids,
    get epoch() {
      return epoch;
    },
    retentionMs: opts.retentionMs,
    mappings,
    subscriptions,
    webhookSubscriptions,
    webhooks,
    events,
    faults: opts.faults,
    misbehaviour: opts.misbehaviour,
    invitations,
    cases,
    actions,
    caseUpdates,
    files,
    act,
    emit,
    applyRetention: () => void events.pruneBefore(opts.now() - opts.retentionMs),
    storeLateInvitation: (sentAtMs) => lateInvitation?.(sentAtMs),
    setLateInvitationSource: (send) => void (lateInvitation = send),
    stats() {
      const byStatus: Record<string, number> = {};
      let open = 0;
      let acted = 0;
      let expiredUnanswered = 0;
      for (const r of invitations.list()) {
        byStatus[r.doc.status] = (byStatus[r.doc.status] ?? 0) + 1;
        const answered = r.firmAnswer !== undefined || r.evaluated;
        if (isOpen(r.doc.status)) open += 1;
        if (answered) acted += 1;
        if (r.doc.status === 'expired' && !answered) expiredUnanswered += 1;
      }
      const count = (f: (a: ActionEntry) => boolean) => actions.filter(f).length;
      const fileList = files.list();
      return {
        invitations: { sent: invitations.list().length, open, acted, expiredUnanswered, byStatus },
        actions: {
          total: actions.length,
          ok: count((a) => a.outcome === 'ok'),
          conflict: count((a) => a.outcome === 'conflict'),
          duplicate: count((a) => a.duplicate),
          afterExpiry: count((a) => a.afterExpiry),
          ignored: count((a) => a.ignored === true),
        },
        caseUpdates: { received: caseUpdates.receivedCount, total: caseUpdates.list().length, repeated: caseUpdates.repeatedCount },
        files: { received: fileList.length, removed: fileList.filter((f) => f.removedAt !== undefined).length },
        events: { stored: storedCount, retained: events.size, byEvent: { ...byEvent } },
        faults: (({ total, byKind }) => ({ injected: total, byKind }))(opts.faults.counts()),
        misbehaviour: { on: [...opts.misbehaviour.config.on], applied: { ...opts.misbehaviour.counts } },
        webhooks: webhooks.stats(),
      };
    },
    reset() {
      epoch += 1;
      ids.newEpoch();
      storedCount = 0;
      byEvent = {};
      events.clear();
      invitations.clear();
      actions.length = 0;
      caseUpdates.clear();
      files.clear();
      opts.faults.resetCounts();
      webhooks.resetCounts();
    },
  };
}
