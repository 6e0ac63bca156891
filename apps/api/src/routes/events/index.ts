/** The CMS feed: everything the CMS should hear about, read with a cursor. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Histogram, type Registry } from 'prom-client';
import { entryAgeSeconds, FeedCursorError, FeedCursorExpiredError, type Feed } from '@lexbridge/core/feed';
import { ApiError, errorResponses } from '../../errors.js';
import { pageLimit } from '../../schemas.js';

/** Options of the event routes. */
export interface EventRoutesOptions {
  feed: Feed;
  /** Where `lexbridge_feed_read_lag_seconds` registers. */
  registry: Registry;
}

const feedEntrySchema = z.object({
  id: z.string().describe('Stable: an item delivered twice has the same id'),
  type: z.string().describe('invitation.decided, invitation.action-sent, lexamica.event, …'),
  occurredAt: z.string(),
  data: z.record(z.string(), z.unknown()),
  cursor: z.string().describe('Pass as `after` to read what follows this item'),
});

export const eventRoutes: FastifyPluginAsyncZod<EventRoutesOptions> = async (app, { feed, registry }) => {
  const lag = new Histogram({
    name: 'lexbridge_feed_read_lag_seconds',
    help: 'Age of the oldest item a read of GET /v1/events returned: how far behind the feed the CMS reads',
    buckets: [1, 5, 15, 60, 300, 900, 3_600, 4 * 3_600, 86_400],
    registers: [registry],
  });
  app.get('/v1/events', {
    schema: {
      tags: ['events'],
      summary: 'Read the event feed after a cursor',
      description:
        'Oldest first. Keep the last `next` and pass it as `after`; each item is returned once across pages. The feed keeps about the last 100 000 items: ' +
        'a cursor with items after it already trimmed is answered 410 `cursor_expired` (never a silent skip); re-read the invitations you track from ' +
        '`GET /v1/invitations`, then read on from the oldest item kept (omit `after`).',
      querystring: z.strictObject({
        after: z.string().min(1).max(64).optional().describe('The `next` (or an item `cursor`) from a previous read; omit to start at the oldest kept item'),
        limit: pageLimit({ default: 100, max: 1_000 }),
      }),
      response: {
        200: z.object({ items: z.array(feedEntrySchema), next: z.string().nullable().describe('Cursor after the last item; null when nothing new (keep your cursor)') }),
        ...errorResponses(400, 401, 403, 410, 429, 503),
      },
    },
    handler: async (request) => {
      try {
        const page = await feed.read(request.query.after, request.query.limit);
        const age = page.items[0] && entryAgeSeconds(page.items[0].cursor, Date.now());
        if (age !== undefined) lag.observe(age);
        return page;
      } catch (err) {
        if (err instanceof FeedCursorError) throw new ApiError(400, 'validation_failed', err.message, { field: 'after', in: 'querystring' });
        if (err instanceof FeedCursorExpiredError) {
          throw new ApiError(
            410,
            'cursor_expired',
            `items after this cursor were trimmed from the feed (it keeps about the last 100 000 items) and reading on would skip them: ` +
              `re-read the invitations you track from GET /v1/invitations (the ledger has their current state), then read the feed from the oldest item kept` +
              `${err.oldest ? ` (${err.oldest})` : ''} by omitting after`,
            { field: 'after', in: 'querystring' },
          );
        }
        throw err;
      }
    },
  });
};
