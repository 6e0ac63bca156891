/**
 * Which job a stored event becomes, by its event name. Event names come from the API profile, so
 * routing takes the profile's names rather than hard-coding spellings.
 */
import { STORED_EVENT_JOBS, type JobName, type StoredEventBatch, type StoredEventJob, type StoredEventJobName } from './catalog.js';

/** The profile's event names that routing needs (a subset of the client's profile). */
export interface RoutedEventNames {
  invitationSent: string;
  invitationLifecycle: readonly string[];
  caseUpdateMade: string;
}

/** The job name for a stored event; every event Lexbridge does not act on becomes `case.event` (the CMS hears of it). */
export function jobForEvent(event: string, names: RoutedEventNames): StoredEventJobName {
  if (event === names.invitationSent) return 'invitation.sent';
  if (names.invitationLifecycle.includes(event)) return 'invitation.lifecycle';
  if (event === names.caseUpdateMade) return 'case-update.made';
  return 'case.event';
}

/** The batch job of each stored-event queue. */
export const BATCH_JOBS = { invitations: 'invitations.batch', inbound: 'inbound.batch' } as const satisfies Record<string, JobName>;
export type BatchQueue = keyof typeof BATCH_JOBS;

/** The stored events a job carries: its own event, or each event of a batch (none for other jobs). */
export function storedEventsOf(job: { name: string; data: unknown }): StoredEventJob[] {
  if (job.name === BATCH_JOBS.invitations || job.name === BATCH_JOBS.inbound) return (job.data as StoredEventBatch).events.map((e) => e.event);
  return (STORED_EVENT_JOBS as readonly string[]).includes(job.name) ? [job.data as StoredEventJob] : [];
}
