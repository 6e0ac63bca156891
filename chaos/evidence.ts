/**
 * Collects the evidence of a run: the sandbox's record (invitations, actions, case updates, stored
 * events read through the real profile), Lexbridge's ledger and queues (straight from Redis), and
 * what the CMS sees through the API (feed, outbound job states).
 */
import type { LexamicaClient } from '@lexbridge/lexamica-client';
import { QUEUE_NAMES, QueueSet, type QueueName } from '@lexbridge/core/jobs';
import { createLedger, findStuck, type LedgerRecord, type StuckRecord, type WatchdogPolicy } from '@lexbridge/core/ledger';
import { createKeyspace, createRedis } from '@lexbridge/infra/redis';
import type { RedisClient } from '@lexbridge/infra/redis';
import type { ApiClient } from './api-client.js';
import type { SandboxControl } from './sandbox-control.js';
import type { Evidence, PostedUpdate } from './verdict.js';

/** Queue depths of a moment, and the failed jobs' reasons. */
export interface QueueState {
  /**
   * Jobs still to run: waiting, active, prioritized, and delayed ones that are retries or fall due
   * within a minute (not the guards planned for long after the run, nor periodic checks).
   */
  busy: number;
  failed: number;
  byQueue: Partial<Record<QueueName, Record<string, number>>>;
  failedReasons: string[];
}

/** A delayed job due later than this is planned for after the run (an expiry guard, a periodic check). */
const SOON_MS = 60_000;
/** Queues whose failed jobs are by design (malformed events parked with their reason). */
const FAILED_BY_DESIGN: ReadonlySet<QueueName> = new Set(['quarantine'] as QueueName[]);

export interface EvidenceReader {
  queueState(): Promise<QueueState>;
  /** Everything the verdict needs; `posted` gets each job's state from the API on the way. */
  gather(posted: PostedUpdate[], since: Date): Promise<Evidence>;
  /** The invitations past their state's deadline now, as the processor's watchdog sees them. */
  stuck(policy: WatchdogPolicy): Promise<StuckRecord[]>;
  close(): Promise<void>;
}

export function createEvidenceReader(o: { redisUrl: string; prefix: string; sandbox: SandboxControl; api: ApiClient; client: LexamicaClient }): EvidenceReader {
  const redis: RedisClient = createRedis(o.redisUrl, 'worker');
  const keyspace = createKeyspace(o.prefix);
  const queues = new QueueSet(redis, keyspace);
  const ledger = createLedger(redis, keyspace);

  return {
    async queueState() {
      const state: QueueState = { busy: 0, failed: 0, byQueue: {}, failedReasons: [] };
      for (const name of QUEUE_NAMES) {
        const counts = await queues.get(name).getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed');
        state.byQueue[name] = counts;
        state.busy += (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.prioritized ?? 0) + (counts['waiting-children'] ?? 0);
        if ((counts.delayed ?? 0) > 0) {
          const soon = Date.now() + SOON_MS;
          for (const job of await queues.get(name).getDelayed(0, -1)) {
            // A periodic check's next run (the watchdog's comes every few seconds) is not work left.
            if (job.repeatJobKey !== undefined && job.attemptsMade === 0) continue;
            if (job.attemptsMade > 0 || job.timestamp + (job.delay ?? 0) <= soon) state.busy += 1;
          }
        }
        if (!FAILED_BY_DESIGN.has(name) && (counts.failed ?? 0) > 0) {
          state.failed += counts.failed ?? 0;
          for (const job of await queues.get(name).getFailed(0, 4)) state.failedReasons.push(`${name}/${job.name}: ${job.failedReason}`);
        }
      }
      return state;
    },

    async gather(posted, since) {
      const [invitations, actions, caseUpdates] = [await o.sandbox.invitations(), await o.sandbox.actions(), await o.sandbox.caseUpdates()];
      const storedEvents: Array<{ id: string; event: string }> = [];
      for await (const page of o.client.events.pages({ from: since, to: new Date(), pageSize: 100 })) {
        for (const ev of page.events) storedEvents.push({ id: ev.id, event: ev.event });
      }
      const records = new Map<string, LedgerRecord>();
      for (const inv of invitations) {
        const r = await ledger.get(inv._id);
        if (r) records.set(inv._id, r);
      }
      const feed = await o.api.readFeed();
      for (const p of posted) {
        if (p.outcome.id) p.job = await o.api.outbound(p.outcome.id);
      }
      return {
        invitations,
        actions,
        caseUpdates,
        storedEvents,
        notInFeed: new Set([o.client.profile.events.invitationSent]),
        ledger: records,
        feed,
        posted,
      };
    },

    stuck: (policy) => findStuck(redis, keyspace, policy, new Date()),

    async close() {
      await queues.close();
      redis.disconnect();
    },
  };
}
