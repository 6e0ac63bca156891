/**
 * The Lexamica ids of the firm's mappings, found by name (`lexbridge setup` creates them from the
 * YAML), and the mapping a stored event came through. Lists are read once and cached; a name or
 * subscription that is missing makes the next call list again, so running set-up and replaying the
 * failed job is enough to recover.
 */
import { UnrecoverableError } from 'bullmq';
import type { LexamicaClient } from '@lexbridge/lexamica-client';
import type { MappingRole } from '@lexbridge/core/firm-config';
import type { MappingDeclaration } from '@lexbridge/core/mapping';

export interface MappingIds {
  /** The Lexamica id of the firm's mapping for `role`; throws `UnrecoverableError` when it does not exist. */
  idOf(role: MappingRole): Promise<string>;
  /**
   * The mapping an event came through: the event's own mapping id; else the mapping of the
   * subscription it came through; else the firm's mapping for `role` (an API profile may give
   * stored events without a mapping field, and Lexbridge created that mapping itself at set-up).
   */
  forEvent(event: { mappingId?: string | undefined; subscriptionId?: string | undefined }, role: MappingRole): Promise<string>;
}

/** A listing read once and kept; a failed one is not kept, so the job's retry lists again. */
function cachedListing<T>(load: () => Promise<Map<string, T>>) {
  let cached: Promise<Map<string, T>> | undefined;
  return {
    get() {
      cached ??= load().catch((err: unknown) => {
        cached = undefined;
        throw err;
      });
      return cached;
    },
    forget() {
      cached = undefined;
    },
  };
}

export function createMappingIds(client: Pick<LexamicaClient, 'mappings' | 'subscriptions'>, declared: Partial<Record<MappingRole, MappingDeclaration>>): MappingIds {
  const byName = cachedListing(async () => new Map((await client.mappings.list({ idempotent: true })).map((m) => [m.name, m.id])));
  const bySubscription = cachedListing(async () => new Map((await client.subscriptions.list({ idempotent: true })).map((s) => [s.id, s.mapping])));

  const idOf = async (role: MappingRole) => {
    const declaration = declared[role];
    if (!declaration) throw new UnrecoverableError(`the firm configuration declares no "${role}" mapping (mappings.${role} in the YAML); it is needed for this call`);
    const id = (await byName.get()).get(declaration.name);
    if (id !== undefined) return id;
    byName.forget();
    throw new UnrecoverableError(`Lexamica has no mapping named "${declaration.name}" (mappings.${role}); run \`lexbridge setup\`, then replay this job`);
  };

  return {
    idOf,
    async forEvent(event, role) {
      if (event.mappingId) return event.mappingId;
      if (event.subscriptionId) {
        const viaSubscription = (await bySubscription.get()).get(event.subscriptionId);
        if (viaSubscription) return viaSubscription;
        // A subscription made since the listing: list again next time.
        bySubscription.forget();
      }
      return idOf(role);
    },
  };
}
