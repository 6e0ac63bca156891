/**
 * What the handlers share: the ledger, the queues, the Lexamica client, the firm's rules and
 * mappings, the announcer, metrics and the clock. Built once by the service; handlers take it as
 * their only argument, so a test can build one around fakes or a real Redis.
 */
import type { Logger } from '@lexbridge/shared/logger';
import type { LexamicaClient } from '@lexbridge/lexamica-client';
import type { QueueSet } from '@lexbridge/shared/jobs';
import type { Ledger, LedgerRecord } from '@lexbridge/shared/ledger';
import type { CapacityCounter, RulesConfig } from '@lexbridge/shared/rules';
import type { Announcer } from './announce.js';
import type { ProcessorMetrics } from './metrics.js';
import type { InvitationReader } from './read-invitation.js';

/** Test seams in the action path. */
export interface ProcessorHooks {
  /**
   * Called after Lexamica accepted an action and before the ledger records it: a test throws or
   * hangs here to simulate a crash between the two.
   */
  afterActionSent?: (record: LedgerRecord) => Promise<void> | void;
}

export interface ProcessorContext {
  ledger: Ledger;
  queues: QueueSet;
  client: LexamicaClient;
  rules: RulesConfig;
  /** Live accepts; shadow decisions count on their own counter, so they never use up real capacity. */
  capacity: CapacityCounter;
  shadowCapacity: CapacityCounter;
  /** Reads invitation payloads through the firm's invitation mapping. */
  invitations: InvitationReader;
  announcer: Announcer;
  metrics: ProcessorMetrics;
  now: () => Date;
  /** No action is sent when the invitation expires within this many ms. */
  expirySafetyMs: number;
  hooks: ProcessorHooks;
  logger: Logger;
}

/** True when it is too late to send anything for an invitation expiring at `expires`. */
export function tooLate(ctx: Pick<ProcessorContext, 'now' | 'expirySafetyMs'>, expires: string): boolean {
  return ctx.now().getTime() + ctx.expirySafetyMs >= Date.parse(expires);
}
