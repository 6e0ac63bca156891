import { invitationSchema } from '@lexbridge/shared/domain';
import { describe, expect, it } from 'vitest';
import { createInvitationDoc } from './invitation-factory.js';
import { scenarioOptionsSchema } from './scenario-options.js';

const SENT = Date.parse('2025-03-01T12:00:00.000Z');

describe('invitation factory', () => {
  it('makes the same invitation for the same seed and index, and valid profile payloads', () => {
    const mix = scenarioOptionsSchema.parse({});
    const a = createInvitationDoc(5, 0, 3, mix, SENT);
    expect(createInvitationDoc(5, 0, 3, mix, SENT)).toEqual(a);
    expect(createInvitationDoc(5, 0, 4, mix, SENT)._id).not.toBe(a._id);
    expect(createInvitationDoc(6, 0, 3, mix, SENT)).not.toEqual(a);
    expect(invitationSchema.safeParse(a).success).toBe(true);
    expect(a).toMatchObject({ status: 'open', accepted: false, declined: false, sentAt: new Date(SENT).toISOString() });
  });

  it('follows the configured mix of case types, states, values and expiry windows', () => {
    const mix = scenarioOptionsSchema.parse({
      caseTypes: { 'Mass Tort': 1, Employment: 0 },
      states: ['NV'],
      value: { min: 10_000, max: 20_000 },
      expiryMs: { min: 2_000, max: 5_000 },
    });
    for (let i = 0; i < 200; i++) {
      const doc = createInvitationDoc(1, 0, i, mix, SENT);
      expect(doc.referral.caseType).toBe('Mass Tort');
      expect(doc.referral.incident.state).toBe('NV');
      expect(doc.referral.estimatedValue).toBeGreaterThanOrEqual(10_000);
      expect(doc.referral.estimatedValue).toBeLessThanOrEqual(20_000);
      const window = Date.parse(doc.expires) - SENT;
      expect(window).toBeGreaterThanOrEqual(2_000);
      expect(window).toBeLessThanOrEqual(5_000);
    }
  });

  it('spreads the default mix over several case types and states', () => {
    const mix = scenarioOptionsSchema.parse({});
    const docs = Array.from({ length: 300 }, (_, i) => createInvitationDoc(1, 0, i, mix, SENT));
    expect(new Set(docs.map((d) => d.referral.caseType)).size).toBe(6);
    expect(new Set(docs.map((d) => d.referral.incident.state)).size).toBeGreaterThan(8);
  });
});
