/**
 * What an identity may do. An identity holds one or more roles; a route names the roles of which
 * one is enough (route-access.ts).
 * - `cms`: the firm's case-management system. Sends status updates and milestones, reads their
 *   outcome and the event feed, reads invitations and decides them as the CMS (naming the person
 *   it acts for with `onBehalfOf`).
 * - `intake`: a person on the intake team. Lists, reads and decides invitations, in their own name.
 * - `viewer`: reads only: invitations, the feed, outbound outcomes, failed jobs, the queue board.
 * - `admin`: an operator. Retries failed jobs, starts backfills, acts on the queue board, and reads
 *   what a viewer reads.
 */
export const ROLES = ['cms', 'intake', 'viewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];
