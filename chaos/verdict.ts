/**
 * The verdict of a chaos run, computed from evidence only: what the sandbox (Lexamica) recorded
 * and what Lexbridge itself says (ledger, CMS feed, outbound job states). Pure: no I/O, so the
 * rules of judgement are unit-tested on their own.
 */
import type { LedgerRecord, LedgerState } from '@lexbridge/core/ledger';
import type { FeedItemView, OutboundView, PostOutcome } from './api-client.js';
import type { SandboxAction, SandboxCaseUpdate, SandboxInvitation } from './sandbox-control.js';

/** One outbound update the suite posted, and what it knows of it. */
export interface PostedUpdate {
  idempotencyKey: string;
  /** Unique text inside the update's content: how the sandbox's copy is found. */
  token: string;
  outcome: PostOutcome;
  /** Outcomes of posting it again with the same key and body (all should replay the first). */
  repeats: PostOutcome[];
  /** Outcome of reusing the key with a different body (should be 422), when probed. */
  conflictProbe?: { token: string; outcome: PostOutcome };
  /** The API's view of its job after the run. */
  job?: OutboundView;
}

/** Everything the verdict is computed from. */
export interface Evidence {
  invitations: SandboxInvitation[];
  actions: SandboxAction[];
  caseUpdates: SandboxCaseUpdate[];
  /** Stored events as Lexamica (the sandbox) serves them; duplicates by id are allowed. */
  storedEvents: Array<{ id: string; event: string }>;
  /** Event names that are not meant for the feed as `lexamica.event` (they become decisions). */
  notInFeed: ReadonlySet<string>;
  /** Ledger record per invitation id (absent: Lexbridge never recorded it). */
  ledger: ReadonlyMap<string, LedgerRecord>;
  feed: FeedItemView[];
  posted: PostedUpdate[];
}

/** Counts of a run, and a few examples of each problem for the log. */
export interface Verdict {
  invitations: number;
  answered: number;
  leftToHuman: number;
  /** Cancelled or closed by the originator before Lexbridge answered. */
  withdrawn: number;
  /** Expired unanswered because the expiry came too close to act safely (ledger `expired`). */
  expiredUnanswered: number;
  /** Invitations, inbound events and outbound updates that went missing. */
  lost: number;
  lostInvitations: number;
  lostInbound: number;
  lostOutbound: number;
  /** Side effects on Lexamica done more than once: repeated answers and repeated updates. */
  duplicateActions: number;
  duplicateOutbound: number;
  actionsAfterExpiry: number;
  duplicateFeedItems: number;
  /** Invitations Lexbridge still thinks are in flight (received, decided, acting) after the run settled. */
  unsettled: number;
  /** Answers to idempotent requests that broke the contract (a replay refused, a conflicting reuse accepted). */
  idempotencyViolations: number;
  inboundEvents: number;
  outboundUpdates: number;
  outboundDelivered: number;
  examples: string[];
}

const ANSWERS = new Set(['accept', 'decline', 'evaluate']);
const IN_FLIGHT: ReadonlySet<LedgerState> = new Set(['received', 'decided', 'acting']);
const MAX_EXAMPLES = 20;

export function judge(e: Evidence): Verdict {
  const examples: string[] = [];
  const note = (text: string) => {
    if (examples.length < MAX_EXAMPLES) examples.push(text);
  };

  // --- invitations: answered exactly once, or deliberately left, never after expiry -------------
  const okAnswers = new Map<string, number>();
  for (const a of e.actions) {
    if (a.outcome === 'ok' && ANSWERS.has(a.action)) okAnswers.set(a.invitationId, (okAnswers.get(a.invitationId) ?? 0) + 1);
  }
  let answered = 0;
  let leftToHuman = 0;
  let withdrawn = 0;
  let expiredUnanswered = 0;
  let lostInvitations = 0;
  let unsettled = 0;
  for (const inv of e.invitations) {
    const record = e.ledger.get(inv._id);
    if (!record) {
      lostInvitations += 1;
      note(`invitation ${inv._id} (${inv.status}) has no ledger record`);
      continue;
    }
    if (IN_FLIGHT.has(record.state)) {
      unsettled += 1;
      note(`invitation ${inv._id} is still ${record.state} in the ledger (sandbox: ${inv.status})`);
    }
    if (okAnswers.has(inv._id)) {
      answered += 1;
    } else if (inv.status === 'cancelled' || inv.status === 'closed') {
      withdrawn += 1;
    } else if (record.state === 'manual' || record.decision?.action === 'manual') {
      leftToHuman += 1;
    } else if (record.state === 'expired') {
      expiredUnanswered += 1;
    } else {
      lostInvitations += 1;
      note(`invitation ${inv._id} was never answered (sandbox: ${inv.status}, ledger: ${record.state}${record.lastError ? `, ${record.lastError}` : ''})`);
    }
  }
  let duplicateAnswers = 0;
  let actionsAfterExpiry = 0;
  for (const a of e.actions) {
    if (a.duplicate) {
      duplicateAnswers += 1;
      note(`duplicate ${a.action} on invitation ${a.invitationId} at ${a.at} (${a.outcome})`);
    }
    if (a.afterExpiry) {
      actionsAfterExpiry += 1;
      note(`${a.action} on invitation ${a.invitationId} after its expiry, at ${a.at}`);
    }
  }

  // --- outbound: every accepted update delivered once; idempotency answers kept -----------------
  const delivered = new Map<string, number>();
  for (const u of e.caseUpdates) {
    if (u.author.firm !== 'handler') continue;
    const token = /chaos:[\w:-]+/.exec(u.content)?.[0];
    if (token) delivered.set(token, (delivered.get(token) ?? 0) + 1);
  }
  let lostOutbound = 0;
  let duplicateOutbound = 0;
  let outboundDelivered = 0;
  let idempotencyViolations = 0;
  for (const p of e.posted) {
    const copies = delivered.get(p.token) ?? 0;
    if (copies > 0) outboundDelivered += 1;
    if (copies > 1) {
      duplicateOutbound += copies - 1;
      note(`outbound ${p.idempotencyKey} reached Lexamica ${copies} times`);
    }
    if (p.outcome.status === 202 && copies === 0) {
      lostOutbound += 1;
      note(`outbound ${p.idempotencyKey} was accepted (202) but never reached Lexamica (job: ${p.job?.status ?? 'unknown'}${p.job?.reason ? `, ${p.job.reason}` : ''})`);
    } else if (p.outcome.status !== 202) {
      lostOutbound += 1;
      note(`outbound ${p.idempotencyKey} was not accepted by the API: ${p.outcome.status ?? 'no answer before the deadline'} ${p.outcome.error ?? ''}`.trim());
    }
    for (const r of p.repeats) {
      if (r.status !== undefined && (r.status !== 202 || r.id !== p.outcome.id)) {
        idempotencyViolations += 1;
        note(`repeat of ${p.idempotencyKey} answered ${r.status}${r.id ? ` (${r.id})` : ''} instead of replaying ${p.outcome.id}`);
      }
    }
    if (p.conflictProbe) {
      const probe = p.conflictProbe;
      if (probe.outcome.status !== undefined && probe.outcome.status !== 422) {
        idempotencyViolations += 1;
        note(`reuse of ${p.idempotencyKey} with another body answered ${probe.outcome.status}, not 422`);
      }
      const leaked = delivered.get(probe.token) ?? 0;
      if (leaked > 0) {
        duplicateOutbound += leaked;
        note(`the refused reuse of ${p.idempotencyKey} reached Lexamica anyway`);
      }
    }
  }

  // --- the CMS feed: each item once; each inbound event once ------------------------------------
  // Each item id once; and no one thing announced twice under two ids (a Lexamica event, or one
  // decision's announcement made again after a crash with a new id).
  let duplicateFeedItems = 0;
  const ids = new Map<string, number>();
  for (const item of e.feed) ids.set(item.id, (ids.get(item.id) ?? 0) + 1);
  for (const [id, n] of ids) {
    if (n > 1) {
      duplicateFeedItems += n - 1;
      note(`feed has item ${id} ${n} times`);
    }
  }
  const eventIdOf = (i: FeedItemView) => (i.type === 'lexamica.event' && typeof i.data['eventId'] === 'string' ? i.data['eventId'] : undefined);
  const announcementOf = (i: FeedItemView) => {
    if (i.type !== 'invitation.decided' && i.type !== 'invitation.action-sent' && i.type !== 'invitation.action-failed') return undefined;
    const d = i.data['decision'] as { source?: unknown; action?: unknown } | undefined;
    // An outcome is one item per outcome state: a success after a failure is a new item, not a repeat.
    const outcomeState = i.type === 'invitation.decided' ? '' : ` ${String(i.data['state'])}`;
    return `${i.type} ${String(i.data['invitationId'])} ${String(d?.source)}/${String(d?.action)}${outcomeState}`;
  };
  const byEvent = distinctIds(e.feed, eventIdOf);
  for (const [what, groups] of [['event', byEvent], ['announcement', distinctIds(e.feed, announcementOf)]] as const) {
    for (const [key, itemIds] of groups) {
      if (itemIds.size > 1) {
        duplicateFeedItems += itemIds.size - 1;
        note(`feed has ${what} ${key} under ${itemIds.size} item ids`);
      }
    }
  }

  const inbound = new Set(e.storedEvents.filter((s) => !e.notInFeed.has(s.event)).map((s) => s.id));
  let lostInbound = 0;
  for (const id of inbound) {
    if (!byEvent.has(id)) {
      lostInbound += 1;
      note(`inbound event ${id} never reached the CMS feed`);
    }
  }

  const lost = lostInvitations + lostInbound + lostOutbound;
  return {
    invitations: e.invitations.length,
    answered,
    leftToHuman,
    withdrawn,
    expiredUnanswered,
    lost,
    lostInvitations,
    lostInbound,
    lostOutbound,
    duplicateActions: duplicateAnswers + duplicateOutbound,
    duplicateOutbound,
    actionsAfterExpiry,
    duplicateFeedItems,
    unsettled,
    idempotencyViolations,
    inboundEvents: inbound.size,
    outboundUpdates: e.posted.length,
    outboundDelivered,
    examples,
  };
}

/** Item ids grouped by `key` (items without a key are left out). */
function distinctIds(feed: FeedItemView[], key: (i: FeedItemView) => string | undefined): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const item of feed) {
    const k = key(item);
    if (k === undefined) continue;
    const set = groups.get(k) ?? new Set<string>();
    set.add(item.id);
    groups.set(k, set);
  }
  return groups;
}
