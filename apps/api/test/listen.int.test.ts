import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@lexbridge/testkit';
import { AUTH, createTestApi, type TestApi } from './harness.js';
import { pdf } from './multipart.js';

const update = { title: 'Over the wire', content: 'Sent through a real socket.', date: '2026-11-20T10:00:00Z' };

describe('the API on a real listening socket', () => {
  let t: TestApi;
  let base: string;
  beforeAll(async () => {
    t = await createTestApi();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => t.close());

  it('serves health, docs and protected routes over HTTP', async () => {
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    expect((await fetch(`${base}/docs/json`)).status).toBe(200);
    const ui = await fetch(`${base}/docs/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
    expect((await fetch(`${base}/v1/invitations`)).status).toBe(401);
    const listed = await fetch(`${base}/v1/invitations`, { headers: AUTH });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('x-request-id')).toBeTruthy();
  });

  it('takes an update and a multipart retainer upload with Idempotency-Keys', async () => {
    const headers = { ...AUTH, 'content-type': 'application/json', 'idempotency-key': 'wire-1' };
    const first = await fetch(`${base}/v1/cases/c-wire/updates`, { method: 'POST', headers, body: JSON.stringify(update) });
    expect(first.status).toBe(202);
    const again = await fetch(`${base}/v1/cases/c-wire/updates`, { method: 'POST', headers, body: JSON.stringify(update) });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());

    const form = new FormData();
    form.set('note', 'Signed at the first meeting');
    form.set('retainer', new Blob([pdf(20_000)], { type: 'application/pdf' }), 'retainer.pdf');
    const upload = await fetch(`${base}/v1/cases/c-wire/milestones/retained`, { method: 'POST', headers: { ...AUTH, 'idempotency-key': 'wire-2' }, body: form });
    expect(upload.status).toBe(202);
    const job = await t.queues.get('outbound').getJob(((await upload.json()) as { id: string }).id);
    expect(job?.data.body).toMatchObject({ caseId: 'c-wire', type: 'retained', note: 'Signed at the first meeting', file: { size: 20_000 } });
  });

  it('finishes a request in flight when it shuts down, then stops accepting', async () => {
    const body = JSON.stringify(update);
    const half = Math.floor(body.length / 2);
    // The server has the request once Node has parsed its headers and handed it to Fastify (its
    // 'request' listener runs first): from then on it is in flight. A request that arrives after
    // close() has begun is refused with 503, as it should be, so the test waits for this, not for
    // the client's write, which a busy machine may deliver after close() starts.
    let received = false;
    t.app.server.once('request', () => {
      received = true;
    });
    const response = new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
      const req = httpRequest(
        `${base}/v1/cases/c-inflight/updates`,
        { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'idempotency-key': 'inflight-1' } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, connection: res.headers.connection }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, half));
      // The rest of the body is sent once shutdown has begun.
      void waitFor(() => !t.app.server.listening).then(() => req.end(body.slice(half)), reject);
    });
    await waitFor(() => received);
    const closed = t.app.close();
    const res = await response;
    // The in-flight connection is ended with its response (`connection: close`), so close() does
    // not wait on keep-alive: were it kept open, close() would wait out the server's keep-alive
    // timeout (72 s), past this test's own timeout. No wall-clock bound for a busy machine to break.
    expect(res.connection).toBe('close');
    await closed;
    expect(res.status).toBe(202);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'queued' });
    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
  });
});
