/**
 * How the sandbox writes its answers under a profile: list envelopes per kind, stored-event rows
 * with the profile's field names (a field the profile leaves out is not sent), invitations with
 * their id, status and expiry where the profile reads them, and resources with their id field.
 */
import type { ListName, SandboxProfile } from '../profile/sandbox-profile.js';
import type { StoredEventRecord } from '../state/event-store.js';
import type { InvitationDoc } from '../state/invitations.js';
import { writeAt } from './json-path.js';

/** A list of `items` in the envelope the profile documents for `kind` (or bare, when asked to misbehave). */
export function listBody(profile: SandboxProfile, kind: ListName, items: unknown[], total: number, bare = false): unknown {
  const { items: at, total: totalAt } = profile.lists[kind];
  if (at === '' || bare) return items;
  const body: Record<string, unknown> = {};
  writeAt(body, at, items);
  if (totalAt !== null) writeAt(body, totalAt, total);
  return body;
}

/** A stored event as the profile names its fields. */
export function eventRow(profile: SandboxProfile, e: StoredEventRecord): Record<string, unknown> {
  const r = profile.rows;
  const row: Record<string, unknown> = {};
  writeAt(row, r.id, e._id);
  writeAt(row, r.event, e.event);
  writeAt(row, r.createdAt, e.createdAt);
  if (r.subscription !== null) writeAt(row, r.subscription, e.subscription);
  if (r.mapping !== null) writeAt(row, r.mapping, e.mapping);
  writeAt(row, r.payload, e.payload);
  return row;
}

/** A resource with `_id` moved to the profile's id field. */
export function withId<T extends { _id: string }>(profile: SandboxProfile, resource: T): Record<string, unknown> {
  const { _id, ...rest } = resource;
  const out: Record<string, unknown> = { ...rest };
  writeAt(out, profile.rows.id, _id);
  return out;
}

/** An invitation as read back: its id, status and expiry where the profile reads them, the rest as is. */
export function invitationBody(profile: SandboxProfile, doc: InvitationDoc, status = doc.status): Record<string, unknown> {
  const { _id, status: _status, expires, ...rest } = structuredClone(doc);
  const out: Record<string, unknown> = { ...rest };
  writeAt(out, profile.rows.id, _id);
  writeAt(out, profile.rows.invitationStatus, status);
  writeAt(out, profile.rows.invitationExpires, expires);
  return out;
}

/** The 409 body for an action on an invitation that is not open. */
export function conflictBody(profile: SandboxProfile, status: string, message: string): Record<string, unknown> {
  const out: Record<string, unknown> = { message };
  writeAt(out, profile.conflict.code, 'invitation_not_open');
  writeAt(out, profile.conflict.state, status);
  return out;
}
