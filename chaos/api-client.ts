/**
 * The suite playing the firm's CMS against Lexbridge's API: posts status updates under an
 * Idempotency-Key (retrying through Redis restarts as a CMS would), reads the event feed with its
 * cursor, and asks for the outcome of queued work. Every answer is parsed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

/** A status update as the CMS sends it. */
export interface CaseUpdateRequest {
  caseId: string;
  idempotencyKey: string;
  body: { title: string; content: string; date: string };
}

/** What came of posting one update (every attempt until an answer that is not "try again"). */
export interface PostOutcome {
  /** Final HTTP status (202 on success), or undefined when the deadline passed first. */
  status: number | undefined;
  /** The outbound job id from the 202. */
  id?: string;
  /** True when the API said it replayed the first response. */
  replayed: boolean;
  /** Attempts that got "try again" (503, 409 in progress, network error). */
  retries: number;
  /** The error body of a final 4xx. */
  error?: string;
}

const queuedSchema = z.object({ id: z.string(), status: z.literal('queued') });
const feedSchema = z.object({
  items: z.array(z.object({ id: z.string(), type: z.string(), occurredAt: z.string(), data: z.record(z.string(), z.unknown()), cursor: z.string() })),
  next: z.string().nullable(),
});
const outboundSchema = z.looseObject({ id: z.string(), status: z.enum(['queued', 'sent', 'failed']), attempts: z.number(), reason: z.string().optional() });

/** A feed item as the API returns it. */
export type FeedItemView = z.infer<typeof feedSchema>['items'][number];
/** The outcome of queued outbound work as the API reports it. */
export type OutboundView = z.infer<typeof outboundSchema>;

export interface ApiClient {
  /** Posts `req`, retrying "try again" answers until `deadline` (epoch ms). */
  postCaseUpdate(req: CaseUpdateRequest, deadline: number): Promise<PostOutcome>;
  /** Every feed item from the oldest kept, paging with the cursor. */
  readFeed(): Promise<FeedItemView[]>;
  /** The outcome of one outbound job, or undefined when the API does not know it (404). */
  outbound(id: string): Promise<OutboundView | undefined>;
}

const RETRYABLE = new Set([409, 502, 503, 504]);

export function createApiClient(baseUrl: string, token: string): ApiClient {
  const auth = { authorization: `Bearer ${token}` };

  const getJson = async (path: string): Promise<{ status: number; json: unknown }> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(`${baseUrl}${path}`, { headers: auth, signal: AbortSignal.timeout(30_000) });
        const json: unknown = await res.json();
        if (res.status !== 503 || attempt >= 20) return { status: res.status, json };
      } catch (err) {
        if (attempt >= 20) throw err;
      }
      await sleep(500);
    }
  };

  return {
    async postCaseUpdate(req, deadline) {
      let retries = 0;
      for (;;) {
        let wait = 250;
        try {
          const res = await fetch(`${baseUrl}/v1/cases/${encodeURIComponent(req.caseId)}/updates`, {
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': req.idempotencyKey },
            body: JSON.stringify(req.body),
            signal: AbortSignal.timeout(15_000),
          });
          const text = await res.text();
          if (res.status === 202) {
            const body = queuedSchema.parse(JSON.parse(text));
            return { status: 202, id: body.id, replayed: res.headers.get('idempotent-replayed') === 'true', retries };
          }
          if (!RETRYABLE.has(res.status) || (res.status === 409 && !text.includes('idempotency_in_progress'))) {
            return { status: res.status, replayed: false, retries, error: text.slice(0, 300) };
          }
          const retryAfter = Number(res.headers.get('retry-after'));
          if (Number.isFinite(retryAfter) && retryAfter > 0) wait = Math.min(retryAfter * 1000, 5_000);
        } catch {
          // Connection refused or reset (the API's Redis restarting does not do this, a crash would): try again.
        }
        retries += 1;
        if (Date.now() + wait > deadline) return { status: undefined, replayed: false, retries };
        await sleep(wait);
      }
    },

    async readFeed() {
      const items: FeedItemView[] = [];
      let after: string | undefined;
      for (;;) {
        const { status, json } = await getJson(`/v1/events?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`);
        if (status !== 200) throw new Error(`GET /v1/events answered ${status}: ${JSON.stringify(json).slice(0, 300)}`);
        const page = feedSchema.parse(json);
        if (page.items.length === 0 || page.next === null) return items;
        items.push(...page.items);
        after = page.next;
      }
    },

    async outbound(id) {
      const { status, json } = await getJson(`/v1/outbound/${encodeURIComponent(id)}`);
      if (status === 404) return undefined;
      if (status !== 200) throw new Error(`GET /v1/outbound/${id} answered ${status}: ${JSON.stringify(json).slice(0, 300)}`);
      return outboundSchema.parse(json);
    },
  };
}
