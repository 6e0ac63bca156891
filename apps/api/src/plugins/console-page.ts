/**
 * The console's page at `/console`: the static files `npm run build` puts in apps/api/dist/console
 * (Vite, from apps/api/console/), served by @fastify/static. No data is in them: everything the
 * page shows comes from `/console/api/*` after sign-in. When the files are missing (a checkout that
 * was never built) `/console` says how to build them instead of a bare 404.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';

/** Where the build puts the page: the same folder from src/ (tests, tsx) and from dist/. */
const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../dist/console', import.meta.url));

export interface ConsolePageOptions {
  /** The built page. Default {@link DEFAULT_CONSOLE_DIR}. */
  dir?: string;
}

export async function consolePage(app: FastifyInstance, opts: ConsolePageOptions): Promise<void> {
  const dir = opts.dir ?? DEFAULT_CONSOLE_DIR;
  if (!existsSync(join(dir, 'index.html'))) {
    app.log.warn({ dir }, 'the console page is not built: /console answers 404 until `npm run build` runs');
    const missing = async () => {
      throw new ApiError(404, 'not_found', 'the console page is not built: run `npm run build`, then restart the API');
    };
    app.get('/console', { schema: { hide: true } }, missing);
    app.get('/console/*', { schema: { hide: true } }, missing);
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/console/',
    redirect: true,
    // swagger-ui registers @fastify/static too: only one may decorate the reply.
    decorateReply: false,
    schemaHide: true,
    setHeaders: (res, path) => {
      // The page names its hashed assets; it must itself always be fresh.
      res.header('cache-control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
      res.header('x-content-type-options', 'nosniff');
      res.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
      res.header('referrer-policy', 'no-referrer');
    },
  });
}
