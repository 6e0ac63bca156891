/**
 * The processor's Prometheus metrics: decisions, actions sent and their outcomes, failed jobs, and
 * the ledger's invitations by state (read from Redis at scrape time).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { LEDGER_STATES, type Ledger } from '@lexbridge/shared/ledger';

/** How an attempt to send an action ended. */
export type ActionOutcome = 'sent' | 'confirmed' | 'conflict' | 'expired' | 'closed' | 'failed' | 'error' | 'rate-limited';

export interface ProcessorMetrics {
  /** `lexbridge_decisions_total{action, source, rule}`; rule is `(default)` when none matched. */
  decisions: Counter<'action' | 'source' | 'rule'>;
  /** `lexbridge_actions_total{action, outcome}`. */
  actions: Counter<'action' | 'outcome'>;
  /** `lexbridge_jobs_failed_total{queue, job, final}`: every failed attempt; final when no retry is left. */
  jobsFailed: Counter<'queue' | 'job' | 'final'>;
}

export function createProcessorMetrics(registry: Registry, ledger: Ledger): ProcessorMetrics {
  const registers = [registry];
  new Gauge({
    name: 'lexbridge_ledger_invitations',
    help: 'Invitations in the ledger by state',
    labelNames: ['state'],
    registers,
    async collect() {
      const counts = await ledger.counts();
      for (const s of LEDGER_STATES) this.set({ state: s }, counts[s]);
    },
  });
  return {
    decisions: new Counter({ name: 'lexbridge_decisions_total', help: 'Invitation decisions', labelNames: ['action', 'source', 'rule'], registers }),
    actions: new Counter({ name: 'lexbridge_actions_total', help: 'Invitation actions by outcome', labelNames: ['action', 'outcome'], registers }),
    jobsFailed: new Counter({ name: 'lexbridge_jobs_failed_total', help: 'Failed job attempts', labelNames: ['queue', 'job', 'final'], registers }),
  };
}
