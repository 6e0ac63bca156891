/**
 * Delivery of feed items to the CMS webhook (`CMS_WEBHOOK_URL`): one signed JSON POST per item.
 * Headers: `content-type: application/json`, `lexbridge-event-id` (the item's stable id, for the
 * CMS to dedupe), `lexbridge-event-type`, and `lexbridge-signature: t=<unix s>,v1=<hex HMAC-SHA256
 * over "<t>.<body>">` (docs/cms-webhooks.md). A 2xx answer is a delivery; anything else throws
 * {@link CmsWebhookError}, and the `cms.deliver` job retries on the catalog's schedule.
 */
import { signPayload, SIGNATURE_HEADER, type FeedEntry } from '@lexbridge/core/feed';

/** Options of {@link createCmsWebhook}. */
export interface CmsWebhookOptions {
  /** Where items are POSTed (`CMS_WEBHOOK_URL`). */
  url: string;
  /** The HMAC key (`CMS_WEBHOOK_SECRET`). */
  secret: string;
  /** Per delivery, default 10 000 ms. */
  timeoutMs?: number;
  /** Default the global `fetch`. */
  fetch?: typeof fetch;
  /** Clock for the signature's timestamp; default `Date.now`. */
  now?: () => number;
}

/** A delivery that did not get a 2xx answer; `status` is undefined when no answer came. */
export class CmsWebhookError extends Error {
  override readonly name = 'CmsWebhookError';
  constructor(
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface CmsWebhook {
  /** POSTs the item; resolves with the status and duration on a 2xx, throws {@link CmsWebhookError} otherwise. */
  deliver(item: FeedEntry): Promise<{ status: number; durationMs: number }>;
}

export function createCmsWebhook(o: CmsWebhookOptions): CmsWebhook {
  const doFetch = o.fetch ?? fetch;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const now = o.now ?? Date.now;
  // The query string may carry a token of the CMS's own: messages name the endpoint without it.
  const where = (() => {
    const u = new URL(o.url);
    return `${u.origin}${u.pathname}`;
  })();

  return {
    async deliver(item) {
      const body = JSON.stringify({ id: item.id, type: item.type, occurredAt: item.occurredAt, cursor: item.cursor, data: item.data });
      const started = now();
      let res: Response;
      try {
        res = await doFetch(o.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'lexbridge-webhook/1',
            'lexbridge-event-id': item.id,
            'lexbridge-event-type': item.type,
            [SIGNATURE_HEADER]: signPayload(o.secret, body, Math.floor(started / 1000)),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        const reason = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `unreachable (${e.cause?.code ?? e.message})`;
        throw new CmsWebhookError(`CMS webhook ${where}: ${reason}`, undefined, { cause: err });
      }
      // Read to the end either way, so the connection can be reused; only an error quotes it.
      const text = await res.text().catch(() => '');
      const durationMs = now() - started;
      if (res.status < 200 || res.status > 299) {
        const hint = text.replace(/\s+/g, ' ').trim().slice(0, 200);
        throw new CmsWebhookError(`CMS webhook ${where} answered HTTP ${res.status}${hint ? `: ${hint}` : ''}`, res.status);
      }
      return { status: res.status, durationMs };
    },
  };
}
