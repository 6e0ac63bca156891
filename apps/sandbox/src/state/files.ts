/**
 * Files the firm sends on a case (lexamica-api.md §8): multipart uploads, URLs to stream from, and
 * removals. Recorded, never fetched. The case id is read through the firm's mapping at `_id` for a
 * Case mapping and at `referral._id` for any other model; a removal names the file at `fileId`.
 */
import { createHash } from 'node:crypto';
import { invalidFirmBody, notFound, requireObject } from '../http-error.js';
import { readAt as getPath } from '../wire/json-path.js';
import type { InvitationBook, PlatformContext } from './invitations.js';
import type { MappingRegistry } from './mappings.js';

/** A file the firm sent. */
export interface FileRecord {
  _id: string;
  caseId: string;
  mappingId: string;
  via: 'upload' | 'stream';
  filename: string;
  contentType?: string;
  /** Bytes received (uploads). */
  size?: number;
  sha256?: string;
  /** Where Lexamica would fetch it from (streams). */
  url?: string;
  /** Every other field, in Lexamica's names. */
  fields: Record<string, unknown>;
  receivedAt: string;
  removedAt?: string;
}

export interface FileLog {
  list(): FileRecord[];
  upload(mappingId: string, file: { filename: string; contentType?: string; data: Buffer; fields: Record<string, unknown> }): FileRecord;
  stream(mappingId: string, body: unknown): FileRecord;
  remove(mappingId: string, body: unknown): FileRecord;
  clear(): void;
}

export interface FileDeps extends PlatformContext {
  nextId(): string;
  mappings: MappingRegistry;
  invitations: InvitationBook;
}


export function createFileLog(deps: FileDeps): FileLog {
  let files: FileRecord[] = [];

  /** Reads firm fields back to Lexamica's names and finds the case they name. */
  const read = (mappingId: string, firmFields: Record<string, unknown>) => {
    const mapping = deps.mappings.require(mappingId);
    const mapper = deps.mappings.compiled(mappingId);
    const fields = mapper.toLexamica(firmFields);
    const casePath = mapping.model === 'Case' ? '_id' : 'referral._id';
    const caseId = getPath(fields, casePath);
    if (typeof caseId !== 'string' || caseId === '') throw invalidFirmBody(mapper, [{ path: casePath, message: 'is required' }]);
    if (!deps.invitations.byCase(caseId)) throw notFound('case', caseId);
    return { fields, caseId, mapper };
  };

  const store = (record: FileRecord): FileRecord => {
    files.push(record);
    const file = {
      filename: record.filename,
      ...(record.contentType === undefined ? {} : { contentType: record.contentType }),
      ...(record.size === undefined ? {} : { size: record.size }),
      ...(record.url === undefined ? {} : { url: record.url }),
      uploadedAt: record.receivedAt,
    };
    // Shaped like what the mapping describes: a Case (its id at `_id`, the file under `file`) or
    // an Attachment (the file's id at `_id`, its case at `referral._id`), as uploads are read.
    deps.emit('fileUploaded', (model) =>
      model === 'Case' ? { _id: record.caseId, file: { _id: record._id, ...file } } : { _id: record._id, referral: { _id: record.caseId }, ...file },
    );
    return record;
  };

  return {
    list: () => files,
    upload(mappingId, file) {
      const { fields, caseId } = read(mappingId, file.fields);
      return store({
        _id: deps.nextId(),
        caseId,
        mappingId,
        via: 'upload',
        filename: file.filename,
        ...(file.contentType === undefined ? {} : { contentType: file.contentType }),
        size: file.data.length,
        sha256: createHash('sha256').update(file.data).digest('hex'),
        fields,
        receivedAt: new Date(deps.now()).toISOString(),
      });
    },
    stream(mappingId, body) {
      const { fields, caseId, mapper } = read(mappingId, requireObject(body));
      const url = getPath(fields, 'url');
      if (typeof url !== 'string' || !URL.canParse(url)) throw invalidFirmBody(mapper, [{ path: 'url', message: 'is required' }]);
      const filename = getPath(fields, 'filename');
      return store({
        _id: deps.nextId(),
        caseId,
        mappingId,
        via: 'stream',
        filename: typeof filename === 'string' ? filename : (new URL(url).pathname.split('/').pop() ?? 'file'),
        url,
        fields,
        receivedAt: new Date(deps.now()).toISOString(),
      });
    },
    remove(mappingId, body) {
      deps.mappings.require(mappingId);
      const mapper = deps.mappings.compiled(mappingId);
      const fileId = getPath(mapper.toLexamica(requireObject(body)), 'fileId');
      if (typeof fileId !== 'string' || fileId === '') throw invalidFirmBody(mapper, [{ path: 'fileId', message: 'is required' }]);
      const record = files.find((f) => f._id === fileId && f.removedAt === undefined);
      if (!record) throw notFound('file', fileId);
      record.removedAt = new Date(deps.now()).toISOString();
      return record;
    },
    clear() {
      files = [];
    },
  };
}
