/**
 * The tests' own reading of the documented default API (lexamica-api.md), over plain `fetch`: the
 * paths, `Authorization: Key <key>`, `{ data, total }` lists and `_id` fields written out by hand.
 * The sandbox is tested against this, never against Lexbridge's client nor its own profile code,
 * so an error shared by both cannot pass unseen.
 */

/** A non-2xx answer: the status and the JSON body; `state` is the 409 body's `status`. */
export class WireError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly retryAfter: string | null,
  ) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`);
  }
  get state(): string | undefined {
    return (this.body as { status?: string } | undefined)?.status;
  }
}

/** The request got no HTTP answer (the connection was reset). */
export class WireNetworkError extends Error {}

export interface WireEvent {
  id: string;
  event: string;
  createdAt: string;
  subscriptionId?: string;
  mappingId?: string;
  payload: Record<string, unknown>;
}

export interface WireClientOptions {
  baseUrl: string;
  orgId: string;
  publicKey: string;
  privateKey: string;
}

type Answer = 'accept' | 'decline' | 'evaluate' | 'contact-attempted' | 'consult-complete';

export function createWireClient(o: WireClientOptions) {
  const org = `/organization/${o.orgId}`;
  async function call(method: string, path: string, key: 'public' | 'private', body?: unknown, init: { form?: FormData } = {}): Promise<unknown> {
    const headers: Record<string, string> = { authorization: `Key ${key === 'public' ? o.publicKey : o.privateKey}` };
    let payload: string | FormData | undefined;
    if (init.form) payload = init.form;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await fetch(`${o.baseUrl}${org}${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
    } catch (err) {
      throw new WireNetworkError((err as Error).message);
    }
    const text = await res.text();
    const json = text === '' ? undefined : (JSON.parse(text) as unknown);
    if (!res.ok) throw new WireError(res.status, json, res.headers.get('retry-after'));
    return json;
  }
  const renameId = <T extends { _id: string }>(x: T) => {
    const { _id, ...rest } = x;
    return { id: _id, ...rest };
  };
  const list = async <T extends { _id: string }>(path: string, key: 'public' | 'private' = 'private') => {
    const body = (await call('GET', path, key)) as { data: T[]; total: number };
    return body.data.map(renameId);
  };
  const toEvent = (e: { _id: string; event: string; createdAt: string; subscription?: string; mapping?: string; payload: Record<string, unknown> }): WireEvent => ({
    id: e._id,
    event: e.event,
    createdAt: e.createdAt,
    ...(e.subscription === undefined ? {} : { subscriptionId: e.subscription }),
    ...(e.mapping === undefined ? {} : { mappingId: e.mapping }),
    payload: e.payload,
  });
  const query = async (q: { event?: string; from?: string; to?: string; limit?: number; skip?: number } = {}) => {
    const params = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)]));
    const body = (await call('GET', `/stored-events${params.size ? `?${params}` : ''}`, 'private')) as { data: Parameters<typeof toEvent>[0][]; total: number };
    return { events: body.data.map(toEvent), total: body.total };
  };
  return {
    mappings: {
      list: () => list<{ _id: string; name: string; model: string; fields: unknown[] }>('/mappings'),
      create: async (m: unknown) => renameId((await call('POST', '/mappings', 'private', m)) as { _id: string; name: string; model: string; fields: unknown[] }),
      update: async (id: string, m: unknown) => renameId((await call('PUT', `/mappings/${id}`, 'private', m)) as { _id: string; name: string; model: string }),
      delete: async (id: string) => void (await call('DELETE', `/mappings/${id}`, 'private')),
    },
    subscriptions: {
      list: () => list<{ _id: string; event: string; mapping: string; active: boolean }>('/stored-event-subscriptions'),
      create: async (s: unknown) => renameId((await call('POST', '/stored-event-subscriptions', 'private', s)) as { _id: string; event: string; mapping: string; active: boolean; description?: string }),
      update: async (id: string, s: unknown) => renameId((await call('PATCH', `/stored-event-subscriptions/${id}`, 'private', s)) as { _id: string; event: string; mapping: string; active: boolean }),
      delete: async (id: string) => void (await call('DELETE', `/stored-event-subscriptions/${id}`, 'private')),
    },
    events: { query },
    /** Every stored event, page by page (100 at a time) until an empty page. */
    async allEvents(event?: string): Promise<WireEvent[]> {
      const out: WireEvent[] = [];
      for (let skip = 0; ; ) {
        const page = await query({ ...(event === undefined ? {} : { event }), limit: 100, skip });
        if (page.events.length === 0) return out;
        out.push(...page.events);
        skip += page.events.length;
      }
    },
    invitations: {
      get: async (id: string) => {
        const raw = (await call('GET', `/case-invitations/${id}`, 'public')) as { _id: string; status: string; expires: string } & Record<string, unknown>;
        return { id: raw._id, status: raw.status, expires: raw.expires, raw };
      },
      act: (a: { mappingId: string; invitationId: string; action: Answer; body?: Record<string, unknown> }) =>
        call('POST', `/inbound-webhooks/case-invitation/${a.mappingId}/${a.invitationId}/${a.action}`, 'public', a.body),
    },
    caseUpdates: { send: (mappingId: string, body: unknown) => call('POST', `/inbound-webhooks/case-update/${mappingId}/send`, 'public', body) },
    files: {
      upload: (mappingId: string, f: { data: Uint8Array; filename: string; contentType: string; fields: Record<string, string> }) => {
        const form = new FormData();
        for (const [k, v] of Object.entries(f.fields)) form.append(k, v);
        form.append('file', new Blob([new Uint8Array(f.data)], { type: f.contentType }), f.filename);
        return call('POST', `/inbound-webhooks/case/${mappingId}/file/upload`, 'public', undefined, { form });
      },
      stream: (mappingId: string, body: unknown) => call('POST', `/inbound-webhooks/case/${mappingId}/file/stream`, 'public', body),
      remove: (mappingId: string, body: unknown) => call('POST', `/inbound-webhooks/case/${mappingId}/file/remove`, 'public', body),
    },
  };
}
export type WireClient = ReturnType<typeof createWireClient>;
