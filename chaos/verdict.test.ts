import { describe, expect, it } from 'vitest';
import type { LedgerRecord, LedgerState } from '@lexbridge/core/ledger';
import type { FeedItemView, PostOutcome } from './api-client.js';
import type { SandboxAction, SandboxCaseUpdate, SandboxInvitation } from './sandbox-control.js';
import { judge, type Evidence, type PostedUpdate } from './verdict.js';

const client = { firstName: 'Maria', lastName: 'Garcia', email: 'maria.garcia.1@example.com', phone: '+15551230001' };
const invitation = (id: string, status = 'accepted'): SandboxInvitation => ({
  _id: id,
  status,
  expires: '2030-01-01T00:00:00.000Z',
  sentAt: '2029-12-31T00:00:00.000Z',
  referral: { _id: `case-${id}`, client },
});
const action = (invitationId: string, a: Partial<SandboxAction> = {}): SandboxAction => ({
  at: '2029-12-31T00:00:01.000Z',
  invitationId,
  action: 'accept',
  outcome: 'ok',
  afterExpiry: false,
  duplicate: false,
  ...a,
});
const record = (invitationId: string, state: LedgerState, decision?: LedgerRecord['decision']): LedgerRecord => ({
  invitationId,
  state,
  eventId: `ev-${invitationId}`,
  expires: '2030-01-01T00:00:00.000Z',
  attempts: 1,
  createdAt: '2029-12-31T00:00:00.000Z',
  updatedAt: '2029-12-31T00:00:01.000Z',
  history: [],
  ...(decision && { decision }),
});
const feedItem = (id: string, type: string, data: Record<string, unknown>): FeedItemView => ({ id, type, occurredAt: '2029-12-31T00:00:00.000Z', data, cursor: '1-0' });
const accepted = (id: string): PostOutcome => ({ status: 202, id, replayed: false, retries: 0 });
const handlerUpdate = (token: string): SandboxCaseUpdate => ({ _id: token, referral: { _id: 'case-a' }, title: 't', content: `note (${token}).`, author: { firm: 'handler' } });

function evidence(over: Partial<Evidence> = {}): Evidence {
  return {
    invitations: [invitation('a')],
    actions: [action('a')],
    caseUpdates: [],
    storedEvents: [{ id: 'e1', event: 'Case Invitation Sent' }],
    notInFeed: new Set(['Case Invitation Sent']),
    ledger: new Map([['a', record('a', 'done')]]),
    feed: [],
    posted: [],
    ...over,
  };
}

describe('the chaos verdict', () => {
  it('finds nothing wrong when each invitation was answered once and each event reached the feed once', () => {
    const v = judge(
      evidence({
        storedEvents: [{ id: 'e1', event: 'Case Invitation Sent' }, { id: 'e2', event: 'Case Update Made' }, { id: 'e2', event: 'Case Update Made' }],
        feed: [feedItem('event:e2', 'lexamica.event', { eventId: 'e2' })],
      }),
    );
    expect(v).toMatchObject({ invitations: 1, answered: 1, lost: 0, duplicateActions: 0, actionsAfterExpiry: 0, duplicateFeedItems: 0, inboundEvents: 1 });
    expect(v.examples).toEqual([]);
  });

  it('counts manual, withdrawn and deliberately expired invitations as settled, not lost', () => {
    const v = judge(
      evidence({
        invitations: [invitation('m', 'open'), invitation('c', 'cancelled'), invitation('x', 'expired'), invitation('g', 'expired')],
        actions: [],
        ledger: new Map([
          ['m', record('m', 'manual')],
          ['c', record('c', 'closed')],
          ['x', record('x', 'expired')],
          ['g', record('g', 'closed', { action: 'manual', rule: 'default', rulesTried: [], source: 'rules', decidedAt: '2029-12-31T00:00:00.000Z' } as unknown as LedgerRecord['decision'])],
        ]),
      }),
    );
    expect(v).toMatchObject({ leftToHuman: 2, withdrawn: 1, expiredUnanswered: 1, lost: 0 });
  });

  it('counts an invitation Lexbridge never recorded, or never answered, as lost', () => {
    const v = judge(
      evidence({
        invitations: [invitation('a'), invitation('b', 'open'), invitation('c', 'expired')],
        actions: [action('a')],
        ledger: new Map([
          ['a', record('a', 'done')],
          ['c', record('c', 'failed')],
        ]),
      }),
    );
    expect(v.lostInvitations).toBe(2);
    expect(v.lost).toBe(2);
    expect(v.examples.join('\n')).toMatch(/b .*no ledger record[\s\S]*c was never answered/);
  });

  it('counts what the sandbox flagged as a repeated answer or an answer after expiry', () => {
    const v = judge(
      evidence({
        actions: [action('a'), action('a', { outcome: 'conflict', duplicate: true }), action('a', { action: 'decline', outcome: 'conflict', afterExpiry: true })],
      }),
    );
    expect(v.duplicateActions).toBe(1);
    expect(v.actionsAfterExpiry).toBe(1);
  });

  it('reports an invitation still in flight in the ledger after the run settled', () => {
    const v = judge(evidence({ ledger: new Map([['a', record('a', 'acting')]]) }));
    expect(v.unsettled).toBe(1);
  });

  it('counts an accepted update that never arrived as lost and one that arrived twice as a duplicate action', () => {
    const posted: PostedUpdate[] = [
      { idempotencyKey: 'k1', token: 'chaos:r:u1', outcome: accepted('outbound-k1'), repeats: [] },
      { idempotencyKey: 'k2', token: 'chaos:r:u2', outcome: accepted('outbound-k2'), repeats: [] },
      { idempotencyKey: 'k3', token: 'chaos:r:u3', outcome: { status: undefined, replayed: false, retries: 9 }, repeats: [] },
    ];
    const v = judge(evidence({ posted, caseUpdates: [handlerUpdate('chaos:r:u2'), handlerUpdate('chaos:r:u2')] }));
    expect(v).toMatchObject({ lostOutbound: 2, duplicateOutbound: 1, duplicateActions: 1, outboundUpdates: 3, outboundDelivered: 1 });
  });

  it('does not mistake a token for a longer one that starts with it', () => {
    const posted: PostedUpdate[] = [
      { idempotencyKey: 'k1', token: 'chaos:r:u1', outcome: accepted('outbound-k1'), repeats: [] },
      { idempotencyKey: 'k10', token: 'chaos:r:u10', outcome: accepted('outbound-k10'), repeats: [] },
    ];
    const v = judge(evidence({ posted, caseUpdates: [handlerUpdate('chaos:r:u1'), handlerUpdate('chaos:r:u10')] }));
    expect(v).toMatchObject({ lostOutbound: 0, duplicateOutbound: 0, outboundDelivered: 2 });
  });

  it('flags a repeat that did not replay the first answer and a conflicting reuse that was not refused', () => {
    const posted: PostedUpdate[] = [
      {
        idempotencyKey: 'k1',
        token: 'chaos:r:u1',
        outcome: accepted('outbound-k1'),
        repeats: [accepted('outbound-other'), { status: 409, replayed: false, retries: 0 }],
        conflictProbe: { token: 'chaos:r:u1x', outcome: accepted('outbound-k1') },
      },
    ];
    const v = judge(evidence({ posted, caseUpdates: [handlerUpdate('chaos:r:u1'), handlerUpdate('chaos:r:u1x')] }));
    expect(v.idempotencyViolations).toBe(3);
    expect(v.duplicateOutbound).toBe(1);
  });

  it('finds a feed item twice, an event announced under two ids, a decision announced twice, and an event never announced', () => {
    const decided = (id: string) => feedItem(id, 'invitation.decided', { invitationId: 'a', decision: { source: 'rules', action: 'accept' } });
    const v = judge(
      evidence({
        storedEvents: [{ id: 'e2', event: 'Case Update Made' }, { id: 'e3', event: 'Case Invitation Accepted' }],
        feed: [
          feedItem('event:e2', 'lexamica.event', { eventId: 'e2' }),
          feedItem('event:e2', 'lexamica.event', { eventId: 'e2' }),
          feedItem('event:e2:again', 'lexamica.event', { eventId: 'e2' }),
          decided('decided:a:1'),
          decided('decided:a:2'),
        ],
      }),
    );
    expect(v.duplicateFeedItems).toBe(3);
    expect(v.lostInbound).toBe(1);
    expect(v.examples.join('\n')).toContain('inbound event e3 never reached the CMS feed');
  });

  it('takes two outcomes of one decision (failed, then a conflict found on replay) as two, not one announced twice', () => {
    const outcome = (id: string, state: string) => feedItem(id, 'invitation.action-failed', { invitationId: 'a', state, decision: { source: 'rules', action: 'accept' } });
    expect(judge(evidence({ feed: [outcome('action:a:1:failed', 'failed'), outcome('action:a:1:conflict', 'conflict')] })).duplicateFeedItems).toBe(0);
    expect(judge(evidence({ feed: [outcome('action:a:1:failed', 'failed'), outcome('action:a:2:failed', 'failed')] })).duplicateFeedItems).toBe(1);
  });
});
