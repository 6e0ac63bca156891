/**
 * Server-sent events for the console: each new CMS feed item (a new invitation decided or left to
 * a person, an outcome from Lexamica, a decision by someone else) as one `feed` event, so the page
 * refreshes what changed without a reload. The stream starts at the newest item and reads the feed
 * every `streamPollMs`; a comment line every 15 s keeps proxies from closing it.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FeedCursorExpiredError } from '@lexbridge/core/feed';
import { errorResponses } from '../../errors.js';
import { CONSOLE_SECURITY, type ConsoleRoutesOptions } from './options.js';

const KEEPALIVE_MS = 15_000;

export const streamRoutes: FastifyPluginAsyncZod<ConsoleRoutesOptions> = async (app, o) => {
  const pollMs = o.streamPollMs ?? 1_000;
  const open = new Set<() => void>();
  // Streams never end on their own: close them so the server can.
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  app.get('/console/api/stream', {
    schema: {
      tags: ['console'],
      security: CONSOLE_SECURITY,
      summary: 'Server-sent events: one `feed` event per new feed item',
      description: 'text/event-stream. Each event’s data is `{"type","invitationId","cursor"}`; the page re-reads what the item concerns.',
      response: { 200: z.string().describe('text/event-stream'), ...errorResponses(401, 403, 429, 503) },
    },
    handler: async (request, reply) => {
      let cursor = await o.feed.latest();
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-request-id': request.id });
      res.write('retry: 3000\n\n');
      let stopped = false;
      let lastWrite = Date.now();
      const stop = () => {
        if (stopped) return;
        stopped = true;
        open.delete(stop);
        res.end();
      };
      open.add(stop);
      request.raw.on('close', stop);
      while (!stopped) {
        try {
          const { items, next } = await o.feed.read(cursor, 100);
          for (const item of items) {
            res.write(`event: feed\ndata: ${JSON.stringify({ type: item.type, invitationId: item.data.invitationId ?? null, cursor: item.cursor })}\n\n`);
            lastWrite = Date.now();
          }
          if (next) cursor = next;
        } catch (err) {
          // Items were trimmed under a slow reader: carry on from the newest, and tell the page to re-read everything.
          if (!(err instanceof FeedCursorExpiredError)) request.log.warn({ err }, 'console event stream could not read the feed; retrying');
          else {
            cursor = await o.feed.latest().catch((latestErr: unknown) => {
              request.log.warn({ err: latestErr }, 'console event stream could not re-read the newest feed item; retrying from the expired cursor');
              return cursor;
            });
          }
          res.write(`event: resync\ndata: {}\n\n`);
        }
        if (Date.now() - lastWrite > KEEPALIVE_MS) {
          res.write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
  });
};
