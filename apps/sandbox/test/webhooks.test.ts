import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { setUpFirm, startSandbox, type Running } from './harness.js';

const SECRET = 'sandbox-webhook-secret-012345';

/** A receiver that records each push with whether its signature checks out (written here, not Lexbridge's). */
async function startRecorder(status = () => 202) {
  const got: Array<{ id: string; signed: boolean; at: number }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const t = String(req.headers['x-lexamica-timestamp']);
      const expected = `sha256=${createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')}`;
      got.push({ id: (JSON.parse(body) as { _id: string })._id, signed: req.headers['x-lexamica-signature'] === expected, at: Date.now() });
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { got, url, server, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function until(check: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('sandbox webhook pushes', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (closers.length) await closers.pop()!();
  });

  async function withWebhooks(status?: () => number) {
    const s: Running = await startSandbox();
    closers.push(() => s.close());
    const rec = await startRecorder(status);
    closers.push(rec.close);
    const ids = await setUpFirm(s.client);
    const res = await s.raw(`/organization/{orgId}/webhook-subscriptions`, {
      method: 'POST',
      headers: { authorization: `Key ${s.sandbox.state.org.privateKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'Case Invitation Sent', mapping: ids.invitation, url: rec.url, secret: SECRET }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).not.toHaveProperty('secret');
    return { s, rec };
  }

  it('pushes each subscribed event, signed by the profile, as its stored-event row', async () => {
    const { s, rec } = await withWebhooks();
    const sent = s.sandbox.scenario.generate(5);
    await until(() => s.sandbox.state.webhooks.stats().delivered === 5 && s.sandbox.state.webhooks.stats().pending === 0);
    expect(rec.got.every((g) => g.signed)).toBe(true);
    const stored = s.sandbox.state.events.query({ limit: 100, skip: 0, event: 'Case Invitation Sent' }).data.map((e) => e._id);
    expect(new Set(rec.got.map((g) => g.id))).toEqual(new Set(stored));
    expect(sent).toHaveLength(5);
    expect(s.sandbox.state.stats().webhooks).toMatchObject({ wanted: 5, delivered: 5, dropped: 0, pending: 0 });
  });

  it('drops, duplicates, delays and mis-signs pushes as configured, and lists what no push delivered', async () => {
    const { s, rec } = await withWebhooks(() => 202);
    s.sandbox.state.webhooks.update({ drop: 0.3, duplicate: 0.3, badSignature: 0.2, delay: { rate: 0.5, minMs: 10, maxMs: 200 } });
    s.sandbox.scenario.generate(60);
    await until(() => s.sandbox.state.webhooks.stats().pending === 0 && s.sandbox.state.webhooks.stats().wanted === 60);
    const stats = s.sandbox.state.webhooks.stats();
    expect(stats.dropped).toBeGreaterThan(0);
    expect(stats.duplicated).toBeGreaterThan(0);
    expect(stats.delayed).toBeGreaterThan(0);
    expect(stats.badlySigned).toBeGreaterThan(0);
    expect(rec.got.filter((g) => !g.signed).length).toBeGreaterThanOrEqual(stats.badlySigned);
    // The recorder answers 202 to everything: what it got signed is delivered, the rest is listed.
    const delivered = new Set(rec.got.filter((g) => g.signed).map((g) => g.id));
    const undelivered = s.sandbox.state.webhooks.undelivered();
    expect(undelivered.length).toBe(60 - delivered.size);
    for (const id of undelivered) expect(delivered.has(id)).toBe(false);
  });

  it('retries a push while the receiver fails, and stops once it answers', async () => {
    let failing = true;
    const { s, rec } = await withWebhooks(() => (failing ? 503 : 202));
    s.sandbox.state.webhooks.update({ retry: { attempts: 10, baseMs: 20, maxMs: 100 } });
    s.sandbox.scenario.generate(3);
    await until(() => s.sandbox.state.webhooks.stats().retries >= 6);
    failing = false;
    await until(() => s.sandbox.state.webhooks.stats().delivered === 3);
    expect(s.sandbox.state.webhooks.stats()).toMatchObject({ failed: 0, pending: 0 });
    expect(s.sandbox.state.webhooks.undelivered()).toEqual([]);
    expect(rec.got.length).toBeGreaterThan(3);
  });
});
