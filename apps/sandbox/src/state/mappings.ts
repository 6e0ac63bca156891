/** Field mappings registered by the firm (lexamica-api.md §2), with a compiled mapper each. */
import { createMapper, mappingDeclarationSchema, type Mapper, type MappingDeclaration } from '@lexbridge/shared/mapping';
import { HttpError, notFound, parseOr400 } from '../http-error.js';

/** A mapping as the profile serialises it: the declaration plus its `_id`. */
export interface MappingRecord extends MappingDeclaration {
  _id: string;
}

export interface MappingRegistry {
  list(): MappingRecord[];
  get(id: string): MappingRecord | undefined;
  /** The mapping or a 404. */
  require(id: string): MappingRecord;
  mapper(id: string): Mapper;
  /** Validates `body` (400 naming the field) and stores it under a new id. */
  create(body: unknown): MappingRecord;
  replace(id: string, body: unknown): MappingRecord;
  /** Removes a mapping; 409 while a subscription still uses it. */
  remove(id: string, inUse: (id: string) => boolean): void;
}

export function createMappingRegistry(nextId: () => string): MappingRegistry {
  const records = new Map<string, MappingRecord>();
  const mappers = new Map<string, Mapper>();

  const registry: MappingRegistry = {
    list: () => [...records.values()],
    get: (id) => records.get(id),
    require(id) {
      const record = records.get(id);
      if (!record) throw notFound('mapping', id);
      return record;
    },
    mapper(id) {
      const record = registry.require(id);
      let mapper = mappers.get(id);
      if (!mapper) mappers.set(id, (mapper = createMapper(record)));
      return mapper;
    },
    create(body) {
      const declaration = parseOr400(mappingDeclarationSchema, body);
      const record = { _id: nextId(), ...declaration };
      records.set(record._id, record);
      return record;
    },
    replace(id, body) {
      registry.require(id);
      const record = { _id: id, ...parseOr400(mappingDeclarationSchema, body) };
      records.set(id, record);
      mappers.delete(id);
      return record;
    },
    remove(id, inUse) {
      registry.require(id);
      if (inUse(id)) throw new HttpError(409, 'mapping_in_use', `mapping ${id} is used by a stored-event subscription`);
      records.delete(id);
      mappers.delete(id);
    },
  };
  return registry;
}
