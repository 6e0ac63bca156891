/**
 * Uploaded files waiting for the processor. The bytes are kept in Redis, base64-encoded, under
 * `<prefix>:upload:<outbound job id>` with a TTL; the outbound job's body carries an
 * {@link UploadRef} and the processor reads them with `Buffer.from(await redis.get(ref.key), 'base64')`.
 * The size cap (`API_UPLOAD_MAX_BYTES`) bounds Redis memory per upload at about 4/3 of it.
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from '@lexbridge/infra/redis';
import type { UploadRef } from '@lexbridge/core/jobs';
import type { Keyspace } from '@lexbridge/infra/redis';

export type { UploadRef };

/** A file received in a request, before it is stored. */
export interface ReceivedFile {
  bytes: Buffer;
  filename: string;
  contentType: string;
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function createUploadStore(redis: RedisClient, keyspace: Keyspace, opts: { ttlSec: number }) {
  return {
    /** Stores `file` for the job `jobId`. */
    async save(jobId: string, file: ReceivedFile): Promise<UploadRef> {
      const key = keyspace.key('upload', jobId);
      await redis.set(key, file.bytes.toString('base64'), 'EX', opts.ttlSec);
      return {
        key,
        encoding: 'base64',
        filename: file.filename,
        contentType: file.contentType,
        size: file.bytes.length,
        sha256: sha256Hex(file.bytes),
        expiresAt: new Date(Date.now() + opts.ttlSec * 1000).toISOString(),
      };
    },
    /** Deletes the upload of job `jobId` (its job was never queued). */
    async remove(jobId: string): Promise<void> {
      await redis.del(keyspace.key('upload', jobId));
    },
  };
}

export type UploadStore = ReturnType<typeof createUploadStore>;
