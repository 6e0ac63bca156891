/**
 * The bytes of a file the API received (the retainer PDF), waiting in Redis base64-encoded under the
 * key its `UploadRef` names. Only keys under this installation's `upload:` prefix are read.
 */
import { createHash } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import type { RedisClient } from '@lexbridge/infra/redis';
import type { Keyspace } from '@lexbridge/infra/redis';
import type { UploadRef } from '@lexbridge/core/jobs';

export interface UploadBytes {
  /** The file's bytes, checked against its size and sha256; `UnrecoverableError` when gone or altered. */
  read(ref: UploadRef): Promise<Buffer>;
  /** Deletes the bytes (after Lexamica has them). */
  remove(ref: UploadRef): Promise<void>;
}

export function createUploadBytes(redis: RedisClient, keyspace: Keyspace): UploadBytes {
  const prefix = keyspace.key('upload', '');
  const checkKey = (ref: UploadRef) => {
    if (!ref.key.startsWith(prefix)) throw new UnrecoverableError(`upload key "${ref.key}" is not under "${prefix}"; refusing to read it`);
  };
  return {
    async read(ref) {
      checkKey(ref);
      const base64 = await redis.get(ref.key);
      if (base64 === null) {
        throw new UnrecoverableError(`the file "${ref.filename}" is no longer held (it expired at ${ref.expiresAt}); send the milestone again with a new Idempotency-Key`);
      }
      const bytes = Buffer.from(base64, 'base64');
      if (bytes.length !== ref.size || createHash('sha256').update(bytes).digest('hex') !== ref.sha256) {
        throw new UnrecoverableError(`the held bytes of "${ref.filename}" do not match their size and sha256; send the milestone again with a new Idempotency-Key`);
      }
      return bytes;
    },
    async remove(ref) {
      checkKey(ref);
      await redis.del(ref.key);
    },
  };
}
