import { describe, expect, it } from 'vitest';
import { defaultProfile, invitationLifecycleEvents, ProfileError, profileOverrideSchema, resolveProfile } from './profile.js';

function errorOf(override: unknown): ProfileError {
  try {
    resolveProfile(override);
  } catch (err) {
    expect(err).toBeInstanceOf(ProfileError);
    return err as ProfileError;
  }
  throw new Error('expected the override to be rejected');
}

const problemsOf = (override: unknown) => errorOf(override).problems;

describe('the API profile', () => {
  it('defaults to the paths, keys and names of lexamica-api.md', () => {
    expect(defaultProfile.paths.storedEvents).toBe('/organization/{orgId}/stored-events');
    expect(defaultProfile.paths.invitationAction).toBe('/organization/{orgId}/inbound-webhooks/case-invitation/{mappingId}/{invitationId}/{action}');
    expect(defaultProfile.paths.subscription).toBe('/organization/{orgId}/stored-event-subscriptions/{subscriptionId}');
    expect(defaultProfile.methods).toEqual({ updateMapping: 'PUT', updateSubscription: 'PATCH' });
    expect(defaultProfile.auth).toEqual({
      scheme: 'Key',
      public: { in: 'header', name: 'authorization', scheme: 'Key' },
      private: { in: 'header', name: 'authorization', scheme: 'Key' },
      storedEventsKey: 'private',
      invitationReadKey: 'public',
    });
    expect(defaultProfile.paging).toEqual({ defaultLimit: 50, maxLimit: 100 });
    const dataTotal = { listItems: 'data', listTotal: 'total' };
    expect(defaultProfile.envelope).toEqual({ ...dataTotal, mappings: dataTotal, subscriptions: dataTotal, storedEvents: dataTotal, webhookSubscriptions: dataTotal });
    expect(defaultProfile.events.invitationSent).toBe('Case Invitation Sent');
    expect(Object.isFrozen(defaultProfile.paths)).toBe(true);
  });

  it('gives the defaults for no override', () => {
    expect(resolveProfile()).toEqual(defaultProfile);
    expect(resolveProfile(null)).toEqual(defaultProfile);
  });

  it('overrides field by field and keeps every other default', () => {
    const p = resolveProfile({ paths: { storedEvents: '/v2/{orgId}/events' }, query: { skip: 'offset' } });

    expect(p.paths.storedEvents).toBe('/v2/{orgId}/events');
    expect(p.paths.mappings).toBe(defaultProfile.paths.mappings);
    expect(p.query).toEqual({ ...defaultProfile.query, skip: 'offset' });
    expect(p.events).toEqual(defaultProfile.events);
  });

  it('sends both keys as Authorization: Bearer with one setting, keeping a placement written in full', () => {
    const p = resolveProfile({ auth: { scheme: 'Bearer', public: { in: 'query', name: 'key' } } });
    expect(p.auth.private).toEqual({ in: 'header', name: 'authorization', scheme: 'Bearer' });
    expect(p.auth.public).toEqual({ in: 'query', name: 'key' });
  });

  it('takes a list envelope per kind of list, inheriting the general one', () => {
    const p = resolveProfile({ envelope: { listItems: 'results', listTotal: 'meta.count', mappings: { listItems: '' }, storedEvents: { listTotal: null } } });
    expect(p.envelope.mappings).toEqual({ listItems: '', listTotal: null });
    expect(p.envelope.subscriptions).toEqual({ listItems: 'results', listTotal: 'meta.count' });
    expect(p.envelope.storedEvents).toEqual({ listItems: 'results', listTotal: null });
    expect(problemsOf({ envelope: { subscriptions: { listItems: '', listTotal: 'total' } } })).toEqual([
      { path: 'envelope.subscriptions.listTotal', message: 'must be null when envelope.subscriptions.listItems is "" (a bare array has no total)' },
    ]);
  });

  it('lets stored events carry no subscription or mapping id', () => {
    const p = resolveProfile({ fields: { mapping: null, subscription: null } });
    expect(p.fields).toMatchObject({ mapping: null, subscription: null, id: '_id' });
  });

  it('replaces a key placement whole rather than merging it', () => {
    expect(resolveProfile({ auth: { public: { in: 'query', name: 'key' } } }).auth.public).toEqual({ in: 'query', name: 'key' });
  });

  it('rejects unknown keys, wrong types and bad values, naming each path', () => {
    const problems = problemsOf({
      paths: { storedEvnts: '/x', mapping: '/organization/{orgId}/mappings/{mapId}', invitation: 'no-slash' },
      auth: { public: { in: 'cookie', name: 'k' }, storedEventsKey: 'secret' },
      paging: { maxLimit: '100' },
      fields: { id: '' },
      extra: true,
    });

    expect(problems.map((p) => p.path).sort()).toEqual(
      ['auth.public.in', 'auth.storedEventsKey', 'extra', 'fields.id', 'paging.maxLimit', 'paths.invitation', 'paths.invitation', 'paths.mapping', 'paths.mapping', 'paths.storedEvnts'].sort(),
    );
    const mapping = problems.filter((p) => p.path === 'paths.mapping').map((p) => p.message);
    expect(mapping).toEqual(['unknown placeholder {mapId} (this path may use {orgId}, {mappingId})', 'must contain {mappingId}']);
    expect(problems.find((p) => p.path === 'paths.storedEvnts')?.message).toMatch(/unknown key/);
  });

  it('says which placeholders an action path is missing', () => {
    expect(problemsOf({ paths: { invitationAction: '/x/{invitationId}' } })).toEqual([{ path: 'paths.invitationAction', message: 'must contain {action}' }]);
  });

  it('rejects combinations that cannot work', () => {
    expect(problemsOf({ paging: { defaultLimit: 200 } })).toEqual([{ path: 'paging.defaultLimit', message: 'must not exceed paging.maxLimit (100)' }]);
    expect(problemsOf({ envelope: { listItems: '' } })).toEqual([
      { path: 'envelope.listTotal', message: 'must be null when envelope.listItems is "" (a bare array has no total)' },
    ]);
    expect(problemsOf({ fields: { payload: 'meta', createdAt: 'meta.at' } })).toEqual([
      { path: 'fields.payload', message: '"meta" overlaps fields.createdAt ("meta.at")' },
    ]);
  });

  it('rejects an override that is not an object', () => {
    expect(problemsOf(['paths'])).toEqual([{ path: '(root)', message: expect.stringContaining('expected object') }]);
  });

  it('lists every problem in the error message', () => {
    const lines = errorOf({ query: { limit: '' }, methods: { updateMapping: 'POST' } }).message.split('\n');
    expect(lines[0]).toBe('Invalid Lexamica API profile override:');
    expect(lines.slice(1).sort()).toEqual(['  - methods.updateMapping: Invalid option: expected one of "PUT"|"PATCH"', '  - query.limit: must not be empty']);
  });

  it('exposes the override schema for other validators', () => {
    expect(profileOverrideSchema.safeParse({ events: { caseCreated: 'CASE_CREATED' } }).success).toBe(true);
    expect(profileOverrideSchema.safeParse({ events: { caseCreatd: 'x' } }).success).toBe(false);
  });

  it('names the invitation lifecycle events from the profile, the relay stopping and missing information among them', () => {
    const p = resolveProfile({ events: { invitationClosed: 'INVITATION_CLOSED' } });

    expect(invitationLifecycleEvents(p)).toEqual([
      'Case Invitation Accepted',
      'Case Invitation Declined',
      'Case Invitation Cancelled',
      'Case Invitation Expired',
      'Case Invitation Evaluated',
      'Case Invitation Contact Attempted',
      'Case Invitation Consult Complete',
      'INVITATION_CLOSED',
      'Case Relay Stopped',
      'Case Missing Info',
    ]);
  });
});
