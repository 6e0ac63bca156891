/**
 * Which job a stored event becomes, by its event name. Event names come from the API profile, so
 * routing takes the profile's names rather than hard-coding spellings.
 */
import type { JobName } from './catalog.js';

/** The profile's event names that routing needs (a subset of the client's profile). */
export interface RoutedEventNames {
  invitationSent: string;
  invitationLifecycle: readonly string[];
  caseUpdateMade: string;
}

/** The job name for a stored event; every event Lexbridge does not act on becomes `case.event` (the CMS hears of it). */
export function jobForEvent(event: string, names: RoutedEventNames): JobName {
  if (event === names.invitationSent) return 'invitation.sent';
  if (names.invitationLifecycle.includes(event)) return 'invitation.lifecycle';
  if (event === names.caseUpdateMade) return 'case-update.made';
  return 'case.event';
}
