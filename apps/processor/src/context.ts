/**
 * What the handlers share: the ledger, the queues, the Lexamica client, the firm's rules and
 * mappings, the announcer, metrics and the clock. Built once by the service; handlers take it as
 * their only argument, so a test can build one around fakes or a real Redis.
 */
import type { Logger } from '@lexbridge/infra/logger';
import type { LexamicaClient } from '@lexbridge/lexamica-client';
import type { Feed } from '@lexbridge/core/feed';
import type { QueueSet } from '@lexbridge/core/jobs';
import type { CaseIndex, Ledger, LedgerRecord, StuckRecord } from '@lexbridge/core/ledger';
import type { Mapper } from '@lexbridge/core/mapping';
import type { CapacityCounter, RulesConfig } from '@lexbridge/core/rules';
import type { Announcer } from './announce.js';
import type { CmsWebhook } from './cms-webhook.js';
import type { StatusSyncSettings } from './firm-config.js';
import type { MappingIds } from './mapping-ids.js';
import type { ProcessorMetrics } from './metrics.js';
import type { OutboundSteps } from './outbound/outbound-steps.js';
import type { UploadBytes } from './outbound/upload-bytes.js';
import type { InvitationReader } from './read-invitation.js';
import type { CaseActivity } from './status-sync/case-activity.js';

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
  /** Keep the client's contact details with the case facts (`console.clientContact`; default false). */
  clientContact: boolean;
  /** Live accepts; shadow decisions count on their own counter, so they never use up real capacity. */
  capacity: CapacityCounter;
  shadowCapacity: CapacityCounter;
  /** Reads invitation payloads through the firm's invitation mapping. */
  invitations: InvitationReader;
  announcer: Announcer;
  /** The CMS feed (the webhook delivers its items). */
  feed: Feed;
  /** Case id → its invitation, for milestones sent by case. */
  cases: CaseIndex;
  /** When each accepted case last had an update sent (the 90-day rule). */
  caseActivity: CaseActivity;
  statusSync: StatusSyncSettings;
  /** The firm's mappings other than the invitation's (read through `invitations`), for writing bodies. */
  firmMappers: { caseUpdate: Mapper; case?: Mapper };
  /** Lexamica ids of the firm's mappings, by role. */
  mappingIds: MappingIds;
  /** Per outbound job, which steps were sent. */
  outboundSteps: OutboundSteps;
  /** Files the API holds for outbound jobs. */
  uploads: UploadBytes;
  /** Set when `CMS_WEBHOOK_URL` is. */
  webhook?: CmsWebhook;
  metrics: ProcessorMetrics;
  /** The invitations past their state's deadline at a time (the firm's `watchdog` policy). */
  stuck: (now: Date) => Promise<StuckRecord[]>;
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
