/** Field mappings registered by the firm (lexamica-api.md §2), each compiled for renaming payloads. */
import { compileMapping, mappingBodySchema, type FieldMapping, type MappingBody } from '../wire/field-mapping.js';
import { HttpError, notFound, parseOr400 } from '../http-error.js';

/** A mapping as the sandbox keeps it: what the firm sent, plus its id. */
export interface MappingRecord extends MappingBody {
  _id: string;
}

export interface MappingRegistry {
  list(): MappingRecord[];
  get(id: string): MappingRecord | undefined;
  /** The mapping or a 404. */
  require(id: string): MappingRecord;
  compiled(id: string): FieldMapping;
  /** Validates `body` (400 naming the field) and stores it under a new id. */
  create(body: unknown): MappingRecord;
  replace(id: string, body: unknown): MappingRecord;
  /** Stores a mapping as someone made it elsewhere (Lexamica's UI): any shape, listed as it is. */
  addForeign(raw: Record<string, unknown>): string;
  /** Mappings made elsewhere, in their own shape, with the id the sandbox gave them. */
  foreign(): Array<{ id: string; raw: Record<string, unknown> }>;
  /** Removes a mapping; 409 while a subscription still uses it. */
  remove(id: string, inUse: (id: string) => boolean): void;
}

export function createMappingRegistry(nextId: () => string): MappingRegistry {
  const records = new Map<string, { record: MappingRecord; compiled?: FieldMapping }>();
  const others: Array<{ id: string; raw: Record<string, unknown> }> = [];
  const registry: MappingRegistry = {
    list: () => [...records.values()].map((r) => r.record),
    get: (id) => records.get(id)?.record,
    require(id) {
      const entry = records.get(id);
      if (!entry) throw notFound('mapping', id);
      return entry.record;
    },
    compiled(id) {
      const entry = records.get(id);
      if (!entry) throw notFound('mapping', id);
      return (entry.compiled ??= compileMapping(entry.record));
    },
    create(body) {
      const record = { _id: nextId(), ...parseOr400(mappingBodySchema, body) };
      records.set(record._id, { record });
      return record;
    },
    replace(id, body) {
      registry.require(id);
      const record = { _id: id, ...parseOr400(mappingBodySchema, body) };
      records.set(id, { record });
      return record;
    },
    addForeign(raw) {
      const id = nextId();
      others.push({ id, raw });
      return id;
    },
    foreign: () => others,
    remove(id, inUse) {
      registry.require(id);
      if (inUse(id)) throw new HttpError(409, 'mapping_in_use', `mapping ${id} is used by a stored-event subscription`);
      records.delete(id);
    },
  };
  return registry;
}
