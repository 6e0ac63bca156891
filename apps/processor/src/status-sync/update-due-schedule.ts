/**
 * The job scheduler that runs `case.update-due-check` every `statusSync.checkEveryMinutes`. Upserted
 * by every processor that works the `maintenance` queue: BullMQ keeps one scheduler per id, so
 * replicas do not multiply the runs, and a changed interval replaces the old one.
 */
import { jobCatalog, type QueueSet } from '@lexbridge/shared/jobs';

export const UPDATE_DUE_SCHEDULER_ID = 'case-update-due-check';

export async function scheduleUpdateDueCheck(queues: QueueSet, everyMinutes: number): Promise<void> {
  const entry = jobCatalog['case.update-due-check'];
  await queues.get(entry.queue).upsertJobScheduler(
    UPDATE_DUE_SCHEDULER_ID,
    { every: everyMinutes * 60_000 },
    { name: 'case.update-due-check', data: entry.schema.parse({}), opts: { ...entry.options } },
  );
}
