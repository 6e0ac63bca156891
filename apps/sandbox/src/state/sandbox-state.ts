/**
 * Everything the sandbox holds, in memory: the organisation, its mappings and subscriptions, the
 * stored events, invitations, actions, case updates and files, and the event emitter that turns
 * something happening into a stored event for an active subscription.
 */
import type { MappingModel } from '@lexbridge/shared/mapping';
import type { FaultInjector } from '../faults/fault-injector.js';
import { createIdFactory, type IdFactory } from '../random.js';
import { createCaseUpdateLog, type CaseUpdateLog } from './case-updates.js';
import { createEventStore, type EventStore, type StoredEventRecord } from './event-store.js';
import { createFileLog, type FileLog } from './files.js';
import { createActionHandler, type ActionEntry, type ActionInput } from './invitation-actions.js';
import { createInvitationBook, isOpen, type InvitationBook, type InvitationDoc } from './invitations.js';
import { createMappingRegistry, type MappingRegistry } from './mappings.js';
import { createSubscriptionRegistry, type SubscriptionRegistry } from './subscriptions.js';

/** What an event is made from: the object, or a function of the subscription mapping's model. */
export type EmittedObject = Record<string, unknown> | ((model: MappingModel) => Record<string, unknown>);

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
  actions: { total: number; ok: number; conflict: number; duplicate: number; afterExpiry: number };
  caseUpdates: { received: number; total: number; repeated: number };
  files: { received: number; removed: number };
  events: { stored: number; retained: number };
  /** Faults injected so far: how many, and by kind. */
  faults: { injected: number; byKind: ReturnType<FaultInjector['counts']>['byKind'] };
}

export interface SandboxState {
  readonly seed: number;
  readonly org: SandboxOrg;
  now(): number;
  readonly ids: IdFactory;
  /** Bumped by `reset()`: ids and invitations of a new epoch never repeat older ones. */
  readonly epoch: number;
  readonly retentionMs: number;
  readonly mappings: MappingRegistry;
  readonly subscriptions: SubscriptionRegistry;
  readonly events: EventStore;
  readonly faults: FaultInjector;
  readonly invitations: InvitationBook;
  readonly actions: ActionEntry[];
  readonly caseUpdates: CaseUpdateLog;
  readonly files: FileLog;
  /** Applies a firm action to an invitation (throws the HttpError to answer with). */
  act(input: ActionInput): InvitationDoc;
  /**
   * Stores `object` (in Lexamica's names) as `event` when an active subscription wants it. A
   * function receives the subscription mapping's model, for objects shaped by it (files).
   * `atMs` (default now) is when it happened.
   */
  emit(event: string, object: EmittedObject, atMs?: number): StoredEventRecord | undefined;
  /** Drops events older than the retention period. */
  applyRetention(): void;
  stats(): SandboxStats;
  /** Forgets invitations, actions, updates, files, events and fault counts; keeps mappings and subscriptions. */
  reset(): void;
}

export interface SandboxStateOptions {
  seed: number;
  org: SandboxOrg;
  now: () => number;
  retentionMs: number;
  evaluateExtensionMs: number;
  faults: FaultInjector;
}

export function createSandboxState(opts: SandboxStateOptions): SandboxState {
  // Ids hash (seed, epoch, kind, n): ids made after a reset never repeat those made before it.
  const ids = createIdFactory(opts.seed);
  let epoch = 0;
  let storedCount = 0;
  const events = createEventStore();
  const mappings = createMappingRegistry(() => ids.next('mapping'));
  const subscriptions = createSubscriptionRegistry(() => ids.next('subscription'), (id) => mappings.get(id) !== undefined);
  const actions: ActionEntry[] = [];

  const emit = (event: string, object: EmittedObject, atMs = opts.now()): StoredEventRecord | undefined => {
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
      payload: mappings.mapper(sub.mapping).toFirm(typeof object === 'function' ? object(mapping.model) : object),
    };
    events.insert(record, plan.atMs);
    storedCount += 1;
    if (plan.duplicate) {
      events.insert(record, plan.atMs);
      storedCount += 1;
    }
    return record;
  };

  const ctx = { now: opts.now, emit };
  const invitations = createInvitationBook(ctx);
  const caseUpdates = createCaseUpdateLog({ ...ctx, seed: opts.seed, nextId: () => ids.next('case-update'), mappings, invitations });
  const files = createFileLog({ ...ctx, nextId: () => ids.next('file'), mappings, invitations });
  const act = createActionHandler({ now: opts.now, mappings, invitations, log: actions, evaluateExtensionMs: opts.evaluateExtensionMs });

  return {
    seed: opts.seed,
    org: opts.org,
    now: opts.now,
    ids,
    get epoch() {
      return epoch;
    },
    retentionMs: opts.retentionMs,
    mappings,
    subscriptions,
    events,
    faults: opts.faults,
    invitations,
    actions,
    caseUpdates,
    files,
    act,
    emit,
    applyRetention: () => void events.pruneBefore(opts.now() - opts.retentionMs),
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
        },
        caseUpdates: { received: caseUpdates.receivedCount, total: caseUpdates.list().length, repeated: caseUpdates.repeatedCount },
        files: { received: fileList.length, removed: fileList.filter((f) => f.removedAt !== undefined).length },
        events: { stored: storedCount, retained: events.size },
        faults: (({ total, byKind }) => ({ injected: total, byKind }))(opts.faults.counts()),
      };
    },
    reset() {
      epoch += 1;
      ids.newEpoch();
      storedCount = 0;
      events.clear();
      invitations.clear();
      actions.length = 0;
      caseUpdates.clear();
      files.clear();
      opts.faults.resetCounts();
    },
  };
}
