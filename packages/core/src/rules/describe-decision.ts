/**
 * One line a person can read about a decision, for logs, the CMS feed and the demo:
 * `accept by rule 'accept-high-value-mva'`.
 */
import type { Decision } from './evaluate.js';

/** Describes `d`: action, the rule (or default), reason or note, and capacity when it mattered. */
export function describeDecision(d: Decision): string {
  const by = d.rule === null ? 'by default (no rule matched)' : `by rule '${d.rule}'`;
  const detail = d.action === 'decline' ? d.reason : d.note;
  const cap = d.capacity;
  if (cap && d.action !== 'accept') {
    // The rule wanted to accept; the day's limit turned it into this action.
    return `${d.action} by capacity limit (${cap.used}/${cap.limit} ${cap.caseType} accepts today), ${by} wanted accept${detail ? `: ${detail}` : ''}`;
  }
  const usage = cap ? ` (${cap.used}/${cap.limit} ${cap.caseType} accepts today)` : '';
  return `${d.action} ${by}${usage}${detail ? `: ${detail}` : ''}`;
}
