import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createInvitationDoc } from './invitation-factory.js';
import { scenarioOptionsSchema } from './scenario-options.js';

const SENT = Date.parse('2025-03-01T12:00:00.000Z');

// The payload fields lexamica-api.md §2 lists for a CaseInvitation, written out for this test.
const documentedInvitation = z.object({
  _id: z.string().regex(/^[0-9a-f]{24}$/),
  status: z.literal('open'),
  expires: z.iso.datetime(),
  sentAt: z.iso.datetime(),
  referral: z.object({
    _id: z.string().min(1),
    caseType: z.string().min(1),
    estimatedValue: z.number().positive(),
    incident: z.object({ date: z.iso.date(), state: z.string().length(2), city: z.string().min(1) }),
    client: z.object({ firstName: z.string(), lastName: z.string(), email: z.email(), phone: z.string() }),
    originator: z.object({ _id: z.string(), name: z.string() }),
  }),
});

describe('invitation factory', () => {
  it('makes the same invitation for the same seed and index, and valid profile payloads', () => {
    const mix = scenarioOptionsSchema.parse({});
    const a = createInvitationDoc(5, 0, 3, mix, SENT);
    expect(createInvitationDoc(5, 0, 3, mix, SENT)).toEqual(a);
    expect(createInvitationDoc(5, 0, 4, mix, SENT)._id).not.toBe(a._id);
    expect(createInvitationDoc(6, 0, 3, mix, SENT)).not.toEqual(a);
    expect(documentedInvitation.safeParse(a).success).toBe(true);
    expect(a).toMatchObject({ status: 'open', accepted: false, declined: false, sentAt: new Date(SENT).toISOString() });
  });

  it('follows the configured mix of case types, states, values and expiry windows', () => {
    const mix = scenarioOptionsSchema.parse({
      caseTypes: { 'Dog Bite Injuries': 1, 'Family Law': 0 },
      states: ['NV'],
      value: { min: 10_000, max: 20_000 },
      expiryMs: { min: 2_000, max: 5_000 },
    });
    for (let i = 0; i < 200; i++) {
      const doc = createInvitationDoc(1, 0, i, mix, SENT);
      expect(doc.referral.caseType).toBe('Dog Bite Injuries');
      expect(doc.referral.incident.state).toBe('NV');
      expect(doc.referral.estimatedValue).toBeGreaterThanOrEqual(10_000);
      expect(doc.referral.estimatedValue).toBeLessThanOrEqual(20_000);
      const window = Date.parse(doc.expires) - SENT;
      expect(window).toBeGreaterThanOrEqual(2_000);
      expect(window).toBeLessThanOrEqual(5_000);
    }
  });

  it("spreads the default mix over Lexamica's case types, spelled exactly, and several states", () => {
    const mix = scenarioOptionsSchema.parse({});
    const docs = Array.from({ length: 600 }, (_, i) => createInvitationDoc(1, 0, i, mix, SENT));
    // lexamica-api.md §1, written out here: the sandbox must use exactly these strings (and "Other").
    const lexamica = [
      'Motor Vehicle Accident', 'Personal Injury', 'Dog Bite Injuries', 'Workplace Injuries', "Workers' Compensation",
      'Pedestrian Injuries', 'Commercial Property Injuries', 'Construction Accidents', 'Medical Malpractice',
      'Product Liability', 'Nursing Home Injuries', 'Family Law', 'Social Injustice', 'Criminal Law', 'Bankruptcy',
      'Landlord-Tenant Disputes', 'Wills and Trusts', 'Civil Litigation', 'Other',
    ];
    expect([...new Set(docs.map((d) => d.referral.caseType))].sort()).toEqual([...lexamica].sort());
    expect(new Set(docs.map((d) => d.referral.incident.state)).size).toBeGreaterThan(8);
  });
});
