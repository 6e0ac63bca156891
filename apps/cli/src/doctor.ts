/**
 * `lexbridge doctor`: the firm's go-live check. Reads a live configuration against Lexamica with
 * no side effects (GETs only) and prints a checklist: each key works where the profile puts it,
 * each list call parses with the profile, the YAML's subscriptions exist and point at its mappings,
 * recent stored events have names the profile knows and read through the mappings, and the
 * invitation read-back path answers. Each failure names the profile (or YAML) key to fix.
 */
import {
  defaultProfile,
  LexamicaHttpError,
  LexamicaResponseError,
  type ApiProfile,
  type KeyKind,
  type LexamicaClient,
  type ListKind,
} from '@lexbridge/lexamica-client';
import { invitationSchema } from '@lexbridge/core/domain';
import type { FirmConfig } from '@lexbridge/core/firm-config';
import { createMapper } from '@lexbridge/core/mapping';

/** One line of the checklist. */
export interface DoctorCheck {
  name: string;
  status: 'ok' | 'fail' | 'warn' | 'skip';
  detail?: string;
  /** The profile (or YAML) key to look at, e.g. `paths.storedEvents`, `auth.private`. */
  fix?: string;
}

export const DOCTOR_USAGE = `usage: lexbridge doctor [--json]

Checks LEXBRIDGE_CONFIG and the LEXAMICA_* credentials against Lexamica without changing anything
(it only reads): both keys work where the profile puts them, the mappings, subscriptions and
stored-events lists parse with the profile, every subscription in the YAML exists on Lexamica and
points at the mapping it names, recent stored events have names the profile knows and read through
the firm's mappings, and an invitation can be read back. Each failure names the key to fix.
Exit code 0 when nothing failed, 1 otherwise. Run it before going live, and after any profile change.
`;

type FieldKey = keyof ApiProfile['fields'];
type EventKey = keyof ApiProfile['events'];

/** The profile key an HTTP failure of a call points at. */
function httpFix(err: LexamicaHttpError, path: keyof ApiProfile['paths'], key: KeyKind, keySetting: string): { fix: string; detail: string } {
  if (err.status === 401 || err.status === 403) return { fix: keySetting === `auth.${key}` ? `auth.${key}` : `${keySetting} / auth.${key}`, detail: `HTTP ${err.status}: the ${key} key is not accepted where the profile puts it` };
  if (err.status === 404 || err.status === 405) return { fix: `paths.${path}`, detail: `HTTP ${err.status}: no such route at ${err.request.url}` };
  return { fix: `paths.${path}`, detail: err.message };
}

/** The profile key a response-shape failure of a list points at: its envelope, or a row field. */
function shapeFix(profile: ApiProfile, kind: ListKind, issues: string[]): string {
  const f = profile.fields;
  const env = profile.envelope[kind];
  for (const issue of issues) {
    const path = issue.split(':')[0] ?? '';
    if (env.listItems !== '' && path === env.listItems) return `envelope.${kind}.listItems`;
    if (path === '(body)') return `envelope.${kind}.listItems`;
    const inRow = env.listItems === '' ? path.split('.').slice(1).join('.') : path.split('.').slice(env.listItems.split('.').length + 1).join('.');
    const field = (Object.keys(f) as FieldKey[]).find((k) => f[k] !== null && (inRow === f[k] || inRow.startsWith(`${f[k]}.`)));
    if (field) return `fields.${field}`;
  }
  return `envelope.${kind}`;
}

/** The profile key of an event name the profile does not know: the key whose default it is, when there is one. */
function eventFix(profile: ApiProfile, name: string): string {
  const byDefault = (Object.keys(defaultProfile.events) as EventKey[]).find((k) => defaultProfile.events[k] === name);
  return byDefault ? `events.${byDefault}` : 'events';
}

async function attempt<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; err: unknown }> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, err };
  }
}

/** Runs every check; never writes to Lexamica. */
export async function runDoctor(client: LexamicaClient, firm: FirmConfig, now: Date = new Date()): Promise<DoctorCheck[]> {
  const profile = client.profile;
  const checks: DoctorCheck[] = [];
  const known = new Set(Object.values(profile.events));

  const listCheck = async <T>(name: string, kind: 'mappings' | 'subscriptions' | 'webhookSubscriptions', run: () => Promise<{ items: T[]; rejected: { reason: string }[]; bareArray: boolean }>) => {
    const r = await attempt(run);
    if (!r.ok) {
      const err = r.err;
      if (err instanceof LexamicaHttpError) checks.push({ name, status: 'fail', ...httpFix(err, kind, 'private', 'auth.private') });
      else if (err instanceof LexamicaResponseError) checks.push({ name, status: 'fail', detail: err.issues.join('; '), fix: shapeFix(profile, kind, err.issues) });
      else checks.push({ name, status: 'fail', detail: (err as Error).message, fix: 'LEXAMICA_BASE_URL' });
      return undefined;
    }
    const v = r.value;
    if (v.bareArray) checks.push({ name, status: 'warn', detail: 'answered a bare array where the profile expects an envelope (read all the same)', fix: `envelope.${kind}.listItems: ''` });
    else checks.push({ name, status: 'ok', detail: `${v.items.length} read${v.rejected.length ? `, ${v.rejected.length} in a shape Lexbridge cannot read (left alone)` : ''}` });
    return v.items;
  };

  const mappings = await listCheck('private key and the mappings list', 'mappings', () => client.mappings.listChecked());
  const subscriptions = await listCheck('the subscriptions list', 'subscriptions', () => client.subscriptions.listChecked());

  // The YAML's subscriptions: known event names, present on Lexamica, pointing at the mapping they name.
  if (mappings && subscriptions) {
    const idByRole = new Map(Object.entries(firm.mappings).flatMap(([role, m]) => {
      const found = m && mappings.find((x) => x.name === m.name);
      return found ? [[role, found.id] as const] : [];
    }));
    for (const [role, m] of Object.entries(firm.mappings)) {
      if (m && !idByRole.has(role)) checks.push({ name: `mapping "${m.name}" on Lexamica`, status: 'fail', detail: 'not found: run `lexbridge setup`', fix: `mappings.${role}` });
    }
    firm.subscriptions.forEach((sub, i) => {
      const name = `subscription "${sub.event}"`;
      if (!known.has(sub.event)) {
        checks.push({ name, status: 'fail', detail: 'the profile knows no event of this name, so Lexbridge would not route it', fix: eventFix(profile, sub.event) });
        return;
      }
      const on = subscriptions.find((s) => s.event === sub.event);
      if (!on) checks.push({ name, status: 'fail', detail: 'missing on Lexamica: run `lexbridge setup`', fix: `subscriptions.${i}` });
      else if (on.mapping !== idByRole.get(sub.mapping)) checks.push({ name, status: 'fail', detail: `points at mapping ${on.mapping}, not the ${sub.mapping} mapping: run \`lexbridge setup\``, fix: `subscriptions.${i}.mapping` });
      else if (on.active !== sub.active) checks.push({ name, status: 'warn', detail: `active is ${on.active} on Lexamica, ${sub.active} in the YAML: run \`lexbridge setup\``, fix: `subscriptions.${i}.active` });
      else checks.push({ name, status: 'ok' });
    });
  }

  // With webhooks on: one webhook subscription per subscribed event, same mapping, pushing to webhooks.url.
  const webhooks = firm.webhooks;
  if (webhooks && mappings) {
    const hooks = await listCheck('the webhook subscriptions list', 'webhookSubscriptions', () => client.webhookSubscriptions.listChecked());
    const idByName = new Map(mappings.map((m) => [m.name, m.id]));
    if (hooks) {
      firm.subscriptions.forEach((sub, i) => {
        const name = `webhook subscription "${sub.event}"`;
        const on = hooks.find((h) => h.event === sub.event);
        const mappingId = idByName.get(firm.mappings[sub.mapping]?.name ?? '');
        if (!on) checks.push({ name, status: 'fail', detail: 'missing on Lexamica (polling alone still catches the event, a poll interval later): run `lexbridge setup`', fix: `subscriptions.${i}` });
        else if (on.url !== webhooks.url) checks.push({ name, status: 'fail', detail: `pushes to ${on.url}, not ${webhooks.url}: run \`lexbridge setup\``, fix: 'webhooks.url' });
        else if (on.mapping !== mappingId) checks.push({ name, status: 'fail', detail: `points at mapping ${on.mapping}, not the ${sub.mapping} mapping: run \`lexbridge setup\``, fix: `subscriptions.${i}.mapping` });
        else if (on.active !== sub.active) checks.push({ name, status: 'warn', detail: `active is ${on.active} on Lexamica, ${sub.active} in the YAML: run \`lexbridge setup\``, fix: `subscriptions.${i}.active` });
        else checks.push({ name, status: 'ok' });
      });
    }
  }

  // Recent stored events: the list parses, rows read, names are known, an invitation reads through the mapping.
  const storedKey = profile.auth.storedEventsKey;
  const page = await attempt(() => client.events.query({ from: new Date(now.getTime() - 7 * 86_400_000), to: now, limit: profile.paging.maxLimit }));
  let invitationId: string | undefined;
  if (!page.ok) {
    const err = page.err;
    if (err instanceof LexamicaHttpError && err.status === 400) checks.push({ name: 'stored events', status: 'fail', detail: err.message, fix: 'query / paging' });
    else if (err instanceof LexamicaHttpError) checks.push({ name: 'stored events', status: 'fail', ...httpFix(err, 'storedEvents', storedKey, storedKey === 'private' ? 'auth.private' : 'auth.storedEventsKey') });
    else if (err instanceof LexamicaResponseError) checks.push({ name: 'stored events', status: 'fail', detail: err.issues.join('; '), fix: shapeFix(profile, 'storedEvents', err.issues) });
    else checks.push({ name: 'stored events', status: 'fail', detail: (err as Error).message, fix: 'LEXAMICA_BASE_URL' });
  } else {
    const p = page.value;
    if (p.rejected.length > 0) {
      checks.push({ name: 'stored-event rows', status: 'fail', detail: `${p.rejected.length} of ${p.rejected.length + p.events.length} rows do not read: ${p.rejected[0]!.reason}`, fix: shapeFix(profile, 'storedEvents', p.rejected[0]!.reason.split('; ')) });
    } else if (p.bareArray) {
      checks.push({ name: 'stored events', status: 'warn', detail: 'answered a bare array where the profile expects an envelope', fix: "envelope.storedEvents.listItems: ''" });
    } else {
      checks.push({ name: 'stored events', status: 'ok', detail: `${p.events.length} in the last 7 days` });
    }
    const unknown = [...new Set(p.events.map((e) => e.event).filter((n) => !known.has(n)))];
    for (const n of unknown) checks.push({ name: `stored event name "${n}"`, status: 'fail', detail: 'Lexamica stores it but the profile does not know it (it would reach only the feed)', fix: eventFix(profile, n) });
    const sent = p.events.find((e) => e.event === profile.events.invitationSent);
    if (!sent) checks.push({ name: 'a recent invitation reads through the mapping', status: 'skip', detail: 'no recent stored invitation to read' });
    else {
      const parsed = invitationSchema.safeParse(createMapper(firm.mappings.invitation).toLexamica(sent.payload));
      if (parsed.success) {
        invitationId = parsed.data._id;
        checks.push({ name: 'a recent invitation reads through the mapping', status: 'ok' });
      } else {
        checks.push({ name: 'a recent invitation reads through the mapping', status: 'fail', detail: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), fix: 'mappings.invitation' });
      }
      if (profile.fields.mapping !== null && sent.mappingId === undefined) checks.push({ name: 'stored events carry their mapping id', status: 'warn', detail: `no ${profile.fields.mapping} in the rows`, fix: 'fields.mapping' });
    }
  }

  // The invitation read-back path (used before retrying an uncertain action).
  if (invitationId === undefined) checks.push({ name: 'invitation read-back', status: 'skip', detail: 'no invitation to read' });
  else {
    const readKey = profile.auth.invitationReadKey;
    const r = await attempt(() => client.invitations.get(invitationId!));
    if (r.ok) checks.push({ name: `invitation read-back (${readKey} key)`, status: 'ok', detail: `status ${r.value.status}` });
    else if (r.err instanceof LexamicaHttpError) checks.push({ name: 'invitation read-back', status: 'fail', ...httpFix(r.err, 'invitation', readKey, 'auth.invitationReadKey') });
    else if (r.err instanceof LexamicaResponseError) checks.push({ name: 'invitation read-back', status: 'fail', detail: r.err.issues.join('; '), fix: 'fields.invitationStatus' });
    else checks.push({ name: 'invitation read-back', status: 'fail', detail: (r.err as Error).message });
  }
  return checks;
}

/** The checklist as lines for a person. */
export function describeChecks(checks: DoctorCheck[]): string[] {
  const mark = { ok: '✓', fail: '✗', warn: '!', skip: '-' } as const;
  const lines = checks.map((c) => `${mark[c.status]} ${c.name}${c.detail ? `: ${c.detail}` : ''}${c.fix && c.status !== 'ok' ? `  → fix: ${c.fix}` : ''}`);
  const failed = checks.filter((c) => c.status === 'fail').length;
  lines.push(failed === 0 ? 'doctor: ready to go live (no check failed)' : `doctor: ${failed} check(s) failed`);
  return lines;
}
