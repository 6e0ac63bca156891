/**
 * A firm configuration for the processor's tests: the invitation mapping renames every field (so a
 * test proves payloads are read back through it), and the rules give each kind of decision.
 */
import { parseFirmConfig } from '@lexbridge/core/firm-config';
import { processorFirmConfigSchema, type ProcessorFirmConfig } from '../src/firm-config.js';

const FIRM_MAPPINGS_YAML = `
mappings:
  invitation:
    name: Test invitations
    model: CaseInvitation
    fields:
      - { external: invitation_id, lexamica: _id }
      - { external: invitation_status, lexamica: status }
      - { external: expires_at, lexamica: expires }
      - { external: sent_at, lexamica: sentAt }
      - { external: matter_id, lexamica: referral._id }
      - { external: matter_type, lexamica: referral.caseType }
      - { external: estimated_value_usd, lexamica: referral.estimatedValue }
      - { external: incident.us_state, lexamica: referral.incident.state }
      - { external: client.first_name, lexamica: referral.client.firstName }
      - { external: client.email, lexamica: referral.client.email }
      - { external: decline_reason, lexamica: reason }
      - { external: attempted_at, lexamica: attemptedAt }
  caseUpdate:
    name: Test case updates
    model: CaseUpdate
    fields:
      - { external: matter_id, lexamica: referral._id }
      - { external: headline, lexamica: title }
      - { external: body, lexamica: content }
      - { external: posted_at, lexamica: date }
  case:
    name: Test cases
    model: Case
    fields:
      - { external: matter_id, lexamica: _id }
subscriptions:
  - { event: Case Invitation Sent, mapping: invitation }
  - { event: Case Invitation Accepted, mapping: invitation }
  - { event: Case Invitation Declined, mapping: invitation }
  - { event: Case Invitation Cancelled, mapping: invitation }
  - { event: Case Invitation Expired, mapping: invitation }
  - { event: Case Invitation Evaluated, mapping: invitation }
  - { event: Case Invitation Closed, mapping: invitation }
  - { event: Case Update Made, mapping: caseUpdate }
`;

const FIRM_RULES_YAML = `
rules:
  - name: decline-outside-west
    when: { field: referral.incident.state, notIn: [CA, NV, AZ, OR, WA] }
    then: { action: decline, reason: outside our jurisdiction }
  - name: accept-mva
    when:
      all:
        - { field: referral.caseType, equals: Motor Vehicle Accident }
        - { field: referral.estimatedValue, gte: 20000 }
    then: accept
  - name: evaluate-medmal
    when: { field: referral.caseType, equals: Medical Malpractice }
    then: evaluate
default: { action: manual, note: needs a lawyer }
expiryGuard:
  manual: { before: 1h, do: alert }
  evaluate: { before: 30m, do: alert }
`;

/** The test firm config; `extra` is appended to the YAML (e.g. "shadow: true"). */
export function testFirmConfig(extra = '', rules = FIRM_RULES_YAML): ProcessorFirmConfig {
  return parseFirmConfig(`${FIRM_MAPPINGS_YAML}\n${rules}\n${extra}`, 'test.yaml', processorFirmConfigSchema);
}

/** An invitation payload in the test firm's names. */
export function firmInvitation(o: {
  id: string;
  expires: string;
  caseType?: string;
  state?: string;
  value?: number;
  status?: string;
}): Record<string, unknown> {
  return {
    invitation_id: o.id,
    invitation_status: o.status ?? 'open',
    expires_at: o.expires,
    matter_id: `case-${o.id}`,
    ...(o.caseType !== undefined && { matter_type: o.caseType }),
    estimated_value_usd: o.value ?? 50_000,
    incident: { us_state: o.state ?? 'CA' },
    client: { first_name: 'Ada', email: 'ada@example.com' },
  };
}
