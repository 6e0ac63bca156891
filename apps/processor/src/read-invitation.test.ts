import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { firmInvitation, testFirmConfig } from '../test/firm.js';
import { createInvitationReader } from './read-invitation.js';

const reader = createInvitationReader(testFirmConfig().mappings.invitation);
const expires = '2026-11-23T10:00:00.000Z';

describe('reading invitation payloads back through the firm mapping', () => {
  it('turns the firm field names into Lexamica paths and a typed invitation', () => {
    const inv = reader.read(firmInvitation({ id: 'inv-1', expires, caseType: 'Employment', state: 'NV', value: 12_000 }));
    expect(inv).toMatchObject({
      _id: 'inv-1',
      status: 'open',
      expires,
      referral: { _id: 'case-inv-1', caseType: 'Employment', estimatedValue: 12_000, incident: { state: 'NV' }, client: { firstName: 'Ada' } },
    });
  });

  it('fails a payload missing referral.caseType, naming the Lexamica field and the firm field', () => {
    const err = (() => {
      try {
        reader.read(firmInvitation({ id: 'inv-2', expires }));
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a failure');
    })();
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(err.message).toContain('referral.caseType (firm field "matter_type"): missing');
    expect(err.message).toContain('Test invitations');
  });

  it('names every unreadable field and never echoes values, which may be personal data', () => {
    const payload = { ...firmInvitation({ id: 'inv-3', expires: 'next tuesday', caseType: 'Employment' }), invitation_id: 42 };
    const message = (() => {
      try {
        reader.read(payload);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(message).toContain('_id (firm field "invitation_id")');
    expect(message).toContain('expires (firm field "expires_at")');
    expect(message).not.toContain('next tuesday');
    expect(message).not.toContain('ada@example.com');
  });

  it('reads the invitation reference a lifecycle event carries', () => {
    expect(reader.readRef({ invitation_id: 'inv-4', invitation_status: 'evaluating', expires_at: expires })).toEqual({
      _id: 'inv-4',
      status: 'evaluating',
      expires,
    });
    expect(() => reader.readRef({ invitation_status: 'expired' })).toThrow(/_id \(firm field "invitation_id"\): missing/);
  });

  it('writes action bodies in the firm names', () => {
    expect(reader.toFirm({ reason: 'conflict of interest' })).toEqual({ decline_reason: 'conflict of interest' });
  });
});
