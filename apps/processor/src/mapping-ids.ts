/**
 * The Lexamica ids of the firm's mappings, found by name (`lexbridge setup` creates them from the
 * YAML). Listed once and cached; a name that is missing makes the next call list again, so running
 * set-up and replaying the failed job is enough to recover.
 */
import { UnrecoverableError } from 'bullmq';
import type { LexamicaClient } from '@lexbridge/lexamica-client';
import type { MappingRole } from '@lexbridge/shared/firm-config';
import type { MappingDeclaration } from '@lexbridge/shared/mapping';

export interface MappingIds {
  /** The Lexamica id of the firm's mapping for `role`; throws `UnrecoverableError` when it does not exist. */
  idOf(role: MappingRole): Promise<string>;
}

export function createMappingIds(client: Pick<LexamicaClient, 'mappings'>, declared: Partial<Record<MappingRole, MappingDeclaration>>): MappingIds {
  let byName: Promise<Map<string, string>> | undefined;

  const list = () => {
    byName ??= client.mappings.list({ idempotent: true }).then(
      (mappings) => new Map(mappings.map((m) => [m.name, m.id])),
      (err: unknown) => {
        // A failed listing is not cached: the job's retry lists again.
        byName = undefined;
        throw err;
      },
    );
    return byName;
  };

  return {
    async idOf(role) {
      const declaration = declared[role];
      if (!declaration) throw new UnrecoverableError(`the firm configuration declares no "${role}" mapping (mappings.${role} in the YAML); it is needed for this call`);
      const id = (await list()).get(declaration.name);
      if (id !== undefined) return id;
      byName = undefined;
      throw new UnrecoverableError(`Lexamica has no mapping named "${declaration.name}" (mappings.${role}); run \`lexbridge setup\`, then replay this job`);
    },
  };
}
