/**
 * Files on a case (lexamica-api.md §8), public key: multipart upload (form fields in the firm's
 * names plus one file part), stream from a URL, remove.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http-error.js';
import type { SandboxState } from '../state/sandbox-state.js';

/** Largest upload accepted (bigger files go through `file/stream`, as the guide says). */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

const summary = (f: { _id: string; filename: string; contentType?: string; size?: number; url?: string; removedAt?: string }) => ({
  _id: f._id,
  filename: f.filename,
  ...(f.contentType === undefined ? {} : { contentType: f.contentType }),
  ...(f.size === undefined ? {} : { size: f.size }),
  ...(f.url === undefined ? {} : { url: f.url }),
  ...(f.removedAt === undefined ? {} : { removedAt: f.removedAt }),
});

export async function fileRoutes(app: FastifyInstance, state: SandboxState): Promise<void> {
  await app.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 100 } });
  const config = { key: 'public' } as const;
  const base = '/inbound-webhooks/case/:mapId/file';

  app.post<{ Params: { mapId: string } }>(`${base}/upload`, { config }, async (request, reply) => {
    if (!request.isMultipart()) throw new HttpError(400, 'invalid_request', 'the upload must be multipart/form-data');
    const fields: Record<string, unknown> = {};
    let file: { filename: string; contentType: string; data: Buffer } | undefined;
    for await (const part of request.parts()) {
      if (part.type === 'file') file = { filename: part.filename, contentType: part.mimetype, data: await part.toBuffer() };
      else fields[part.fieldname] = part.value;
    }
    if (!file) throw new HttpError(400, 'invalid_request', 'file: a file part is required');
    return reply.code(201).send(summary(state.files.upload(request.params.mapId, { ...file, fields })));
  });
  app.post<{ Params: { mapId: string } }>(`${base}/stream`, { config }, async (request, reply) =>
    reply.code(201).send(summary(state.files.stream(request.params.mapId, request.body))),
  );
  app.post<{ Params: { mapId: string } }>(`${base}/remove`, { config }, async (request) => summary(state.files.remove(request.params.mapId, request.body)));
}
