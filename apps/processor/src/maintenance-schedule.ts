/**
 * The job schedulers of the `maintenance` queue: the 90-day check (`case.update-due-check`, every
 * `statusSync.checkEveryMinutes`) and the watchdog over stuck invitations (`invitation.watchdog`,
 * every `watchdog.checkEvery`). Upserted by every processor that works the queue: BullMQ keeps one
 * scheduler per id, so replicas do not multiply the runs, and a changed interval replaces the old one.
 */
import { jobCatalog, type QueueSet } from '@lexbridge/core/jobs';

export const UPDATE_DUE_SCHEDULER_ID = 'case-update-due-check';
export const WATCHDOG_SCHEDULER_ID = 'invitation-watchdog';

type MaintenanceJob = 'case.update-due-check' | 'invitation.watchdog';

async function schedule(queues: QueueSet, id: string, name: MaintenanceJob, everyMs: number): Promise<void> {
  const entry = jobCatalog[name];
  await queues.get(entry.queue).upsertJobScheduler(id, { every: everyMs }, { name, data: entry.schema.parse({}), opts: { ...entry.options } });
}

export async function scheduleMaintenance(queues: QueueSet, every: { updateDueMinutes: number; watchdogMs: number }): Promise<void> {
  await schedule(queues, UPDATE_DUE_SCHEDULER_ID, 'case.update-due-check', every.updateDueMinutes * 60_000);
  await schedule(queues, WATCHDOG_SCHEDULER_ID, 'invitation.watchdog', every.watchdogMs);
}
