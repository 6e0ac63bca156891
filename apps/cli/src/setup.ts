/**
 * Set-up of the firm's mappings, stored-event subscriptions and (with `webhooks.url`) webhook
 * subscriptions for the same events and mappings on Lexamica, from its YAML.
 * Idempotent: a second run finds nothing to change. `planSetup` computes the difference (the dry
 * run prints it); `applySetup` carries it out.
 */
import type { LexamicaClient, Mapping, RejectedItem, Subscription, WebhookSubscription } from '@lexbridge/lexamica-client';
import type { FirmConfig, MappingRole } from '@lexbridge/core/firm-config';
import type { MappingDeclaration } from '@lexbridge/core/mapping';

export type SetupClient = Pick<LexamicaClient, 'mappings' | 'subscriptions' | 'profile'> & Partial<Pick<LexamicaClient, 'webhookSubscriptions'>>;

export type SetupStep =
  | { kind: 'create-mapping'; role: MappingRole; declaration: MappingDeclaration }
  | { kind: 'update-mapping'; role: MappingRole; id: string; declaration: MappingDeclaration; changes: string[] }
  | { kind: 'create-subscription'; event: string; role: MappingRole; description?: string; active: boolean }
  | { kind: 'update-subscription'; id: string; event: string; role: MappingRole; description?: string; active: boolean; changes: string[] }
  | { kind: 'create-webhook'; event: string; role: MappingRole; url: string; active: boolean }
  | { kind: 'update-webhook'; id: string; event: string; role: MappingRole; url: string; active: boolean; changes: string[] };

export interface SetupPlan {
  steps: SetupStep[];
  /** Mapping ids already known by role (filled in further by applying the plan). */
  mappingIds: Partial<Record<MappingRole, string>>;
  /** Subscriptions on Lexamica for events the YAML does not mention (left alone). */
  unmanaged: Subscription[];
  /**
   * Mappings and subscriptions on the account in a shape Lexbridge cannot read (made elsewhere),
   * with the reason: left alone, unless one carries the name of a mapping the YAML declares (then
   * it is replaced by the declaration).
   */
  unreadable: Array<{ kind: 'mapping' | 'subscription'; reason: string }>;
}

function fieldKey(f: { external: string; lexamica: string }) {
  return `${f.external}\u0000${f.lexamica}`;
}

function mappingChanges(current: Mapping, wanted: MappingDeclaration): string[] {
  const changes: string[] = [];
  if (current.model !== wanted.model) changes.push(`model ${current.model} → ${wanted.model}`);
  const have = new Set(current.fields.map(fieldKey));
  const want = new Set(wanted.fields.map(fieldKey));
  for (const f of wanted.fields) if (!have.has(fieldKey(f))) changes.push(`+ ${f.external} ↔ ${f.lexamica}`);
  for (const f of current.fields) if (!want.has(fieldKey(f))) changes.push(`- ${f.external} ↔ ${f.lexamica}`);
  return changes;
}

/** The id and name of an item Lexbridge could not read, when it has them (strings at the profile's id field and `name`). */
function idAndName(client: SetupClient, item: RejectedItem): { id?: string; name?: string } {
  const raw = item.raw as Record<string, unknown> | null;
  if (typeof raw !== 'object' || raw === null) return {};
  const id = client.profile.fields.id.split('.').reduce<unknown>((node, seg) => (node as Record<string, unknown> | undefined)?.[seg], raw);
  return { ...(typeof id === 'string' && id !== '' ? { id } : {}), ...(typeof raw.name === 'string' ? { name: raw.name } : {}) };
}

export async function planSetup(client: SetupClient, config: FirmConfig): Promise<SetupPlan> {
  const [mappingList, subscriptionList] = await Promise.all([client.mappings.listChecked({}), client.subscriptions.listChecked({})]);
  const mappings = mappingList.items;
  const subscriptions = subscriptionList.items;
  const unreadable: SetupPlan['unreadable'] = [
    ...mappingList.rejected.map((r) => ({ kind: 'mapping' as const, reason: r.reason })),
    ...subscriptionList.rejected.map((r) => ({ kind: 'subscription' as const, reason: r.reason })),
  ];
  const steps: SetupStep[] = [];
  const mappingIds: Partial<Record<MappingRole, string>> = {};
  for (const [role, declaration] of Object.entries(config.mappings) as Array<[MappingRole, MappingDeclaration | undefined]>) {
    if (!declaration) continue;
    const current = mappings.find((m) => m.name === declaration.name);
    if (!current) {
      // Our name on a mapping in a shape we cannot read (edited by hand on Lexamica): put the declaration back over it.
      const foreign = mappingList.rejected.map((r) => idAndName(client, r)).find((m) => m.name === declaration.name && m.id !== undefined);
      if (foreign?.id) {
        mappingIds[role] = foreign.id;
        steps.push({ kind: 'update-mapping', role, id: foreign.id, declaration, changes: ['replace: Lexamica holds it in a shape Lexbridge cannot read'] });
      } else {
        steps.push({ kind: 'create-mapping', role, declaration });
      }
      continue;
    }
    mappingIds[role] = current.id;
    const changes = mappingChanges(current, declaration);
    if (changes.length > 0) steps.push({ kind: 'update-mapping', role, id: current.id, declaration, changes });
  }
  for (const sub of config.subscriptions) {
    const current = subscriptions.find((s) => s.event === sub.event);
    const wanted = { event: sub.event, role: sub.mapping, active: sub.active, ...(sub.description ? { description: sub.description } : {}) };
    if (!current) {
      steps.push({ kind: 'create-subscription', ...wanted });
      continue;
    }
    const changes: string[] = [];
    const mappingId = mappingIds[sub.mapping];
    if (!mappingId || current.mapping !== mappingId) changes.push(`mapping ${current.mapping} → ${mappingId ?? `(new ${sub.mapping} mapping)`}`);
    if (current.active !== sub.active) changes.push(`active ${current.active} → ${sub.active}`);
    if (sub.description !== undefined && current.description !== sub.description) changes.push('description');
    if (changes.length > 0) steps.push({ kind: 'update-subscription', id: current.id, ...wanted, changes });
  }
  if (config.webhooks) steps.push(...(await planWebhooks(client, config, mappingIds, unreadable)));
  const wantedEvents = new Set(config.subscriptions.map((s) => s.event));
  return { steps, mappingIds, unmanaged: subscriptions.filter((s) => !wantedEvents.has(s.event)), unreadable };
}

/** The webhook subscriptions `webhooks.url` needs: one per stored-event subscription, same event, same mapping. */
async function planWebhooks(client: SetupClient, config: FirmConfig, mappingIds: Partial<Record<MappingRole, string>>, unreadable: SetupPlan['unreadable']): Promise<SetupStep[]> {
  if (!client.webhookSubscriptions || !config.webhooks) return [];
  const list = await client.webhookSubscriptions.listChecked({});
  unreadable.push(...list.rejected.map((r) => ({ kind: 'subscription' as const, reason: `webhook subscription: ${r.reason}` })));
  const url = config.webhooks.url;
  return config.subscriptions.flatMap((sub): SetupStep[] => {
    const current: WebhookSubscription | undefined = list.items.find((w) => w.event === sub.event);
    const wanted = { event: sub.event, role: sub.mapping, url, active: sub.active };
    if (!current) return [{ kind: 'create-webhook', ...wanted }];
    const changes: string[] = [];
    const mappingId = mappingIds[sub.mapping];
    if (!mappingId || current.mapping !== mappingId) changes.push(`mapping ${current.mapping} → ${mappingId ?? `(new ${sub.mapping} mapping)`}`);
    if (current.url !== url) changes.push(`url ${current.url} → ${url}`);
    if (current.active !== sub.active) changes.push(`active ${current.active} → ${sub.active}`);
    return changes.length > 0 ? [{ kind: 'update-webhook', id: current.id, ...wanted, changes }] : [];
  });
}

/**
 * Carries out a plan (mappings first, so subscriptions can name their ids). Returns the mapping ids
 * by role. `webhookSecret` (LEXAMICA_WEBHOOK_SECRET) goes with each webhook subscription created or
 * updated: Lexamica signs its pushes with it.
 */
export async function applySetup(client: SetupClient, plan: SetupPlan, opts: { webhookSecret?: string } = {}): Promise<Partial<Record<MappingRole, string>>> {
  const ids = { ...plan.mappingIds };
  for (const step of plan.steps) {
    if (step.kind === 'create-mapping') ids[step.role] = (await client.mappings.create(step.declaration)).id;
    if (step.kind === 'update-mapping') ids[step.role] = (await client.mappings.update(step.id, step.declaration)).id;
  }
  for (const step of plan.steps) {
    if (step.kind === 'create-mapping' || step.kind === 'update-mapping') continue;
    const mapping = ids[step.role];
    if (!mapping) throw new Error(`no ${step.role} mapping id for the "${step.event}" subscription`);
    if (step.kind === 'create-webhook' || step.kind === 'update-webhook') {
      if (!opts.webhookSecret) throw new Error(`LEXAMICA_WEBHOOK_SECRET is required to subscribe ${step.url} to "${step.event}" (webhooks.url is set)`);
      if (!client.webhookSubscriptions) throw new Error('this client cannot manage webhook subscriptions');
      const body = { event: step.event, mapping, url: step.url, active: step.active, secret: opts.webhookSecret };
      if (step.kind === 'create-webhook') await client.webhookSubscriptions.create(body);
      else await client.webhookSubscriptions.update(step.id, body);
      continue;
    }
    const body = { event: step.event, mapping, active: step.active, ...(step.description ? { description: step.description } : {}) };
    if (step.kind === 'create-subscription') await client.subscriptions.create(body);
    else await client.subscriptions.update(step.id, body);
  }
  return ids;
}

/** The plan as lines for a person (the dry run's output). */
export function describePlan(plan: SetupPlan): string[] {
  const notes = plan.unreadable.map((u) => `note: a ${u.kind} on Lexamica is in a shape Lexbridge cannot read (${u.reason}); left alone`);
  if (plan.steps.length === 0) return ['Lexamica already matches the configuration: nothing to change.', ...notes];
  const lines: string[] = [];
  for (const s of plan.steps) {
    switch (s.kind) {
      case 'create-mapping':
        lines.push(`create mapping "${s.declaration.name}" (${s.declaration.model}, ${s.declaration.fields.length} fields)`);
        break;
      case 'update-mapping':
        lines.push(`update mapping "${s.declaration.name}" (${s.id}):`, ...s.changes.map((c) => `    ${c}`));
        break;
      case 'create-subscription':
        lines.push(`create subscription "${s.event}" → ${s.role} mapping${s.active ? '' : ' (inactive)'}`);
        break;
      case 'update-subscription':
        lines.push(`update subscription "${s.event}" (${s.id}): ${s.changes.join(', ')}`);
        break;
      case 'create-webhook':
        lines.push(`create webhook subscription "${s.event}" → ${s.role} mapping, pushed to ${s.url}${s.active ? '' : ' (inactive)'}`);
        break;
      case 'update-webhook':
        lines.push(`update webhook subscription "${s.event}" (${s.id}): ${s.changes.join(', ')}`);
        break;
    }
  }
  for (const u of plan.unmanaged) lines.push(`note: subscription "${u.event}" (${u.id}) exists on Lexamica but not in the configuration; left alone`);
  return [...lines, ...notes];
}
