/** What became of a decision, in words, from the invitation's ledger record. */
import type { Invitation } from './api.js';

export type Tone = 'pending' | 'ok' | 'bad' | 'info';

/** Final when nothing more will happen without a person (or a retry). */
export function isSettled(r: Invitation): boolean {
  return !['decided', 'acting', 'received'].includes(r.state);
}

export function describeOutcome(r: Invitation, mine: boolean): { text: string; tone: Tone } {
  const d = r.decision;
  const who = d?.by ?? (d?.rule ? `rule ${d.rule}` : (d?.source ?? 'someone'));
  const what = d ? `${d.action}${d.reason ? ` (${d.reason})` : ''}` : 'a decision';
  const prefix = mine ? `Your ${what}` : `Already decided by ${who}: ${what}`;
  switch (r.state) {
    case 'decided':
    case 'acting':
      return { text: `${prefix}: sending to Lexamica…`, tone: 'pending' };
    case 'done':
      return { text: `${prefix}: sent. Lexamica answered OK${r.lexamicaStatus ? ` (invitation ${r.lexamicaStatus})` : ''}.`, tone: 'ok' };
    case 'manual':
      return r.lexamicaStatus === 'evaluating' && d?.action === 'evaluate'
        ? { text: `${prefix}: sent. Lexamica gave more time (evaluating); it waits for a person again.`, tone: 'ok' }
        : { text: `${prefix}: waiting for a person.`, tone: 'info' };
    case 'conflict':
      return { text: `${prefix}: Lexamica refused it (conflict: the invitation expired or was taken)${r.lastError ? `: ${r.lastError}` : ''}.`, tone: 'bad' };
    case 'expired':
      return { text: `${prefix}: too late, the invitation expired before the answer went out.`, tone: 'bad' };
    case 'failed':
      return { text: `${prefix}: failed${r.lastError ? `: ${r.lastError}` : ''}. An admin can retry it under Activity.`, tone: 'bad' };
    case 'closed':
      return { text: `${prefix}: Lexamica closed or cancelled the invitation${r.lexamicaStatus ? ` (${r.lexamicaStatus})` : ''}.`, tone: 'info' };
    case 'shadow':
      return { text: `${prefix}: shadow mode, nothing sent.`, tone: 'info' };
    default:
      return { text: `${prefix}: ${r.state}.`, tone: 'info' };
  }
}
