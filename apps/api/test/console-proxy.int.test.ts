/**
 * The console's session cookie behind a TLS-terminating proxy: with the proxy's address in
 * API_TRUST_PROXY its `X-Forwarded-Proto: https` makes the cookie Secure and its `X-Forwarded-For`
 * the request's address; a client that is not a listed proxy cannot claim either. With
 * CONSOLE_COOKIE_SECURE=always the cookie is Secure whatever the request says.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, ROLE_TOKENS, type TestApi, type TestApiOptions } from './harness.js';

const PROXY = '10.1.2.3';
const CLIENT = '198.51.100.7';
const STRANGER = '203.0.113.9';
const FORWARDED = { 'x-forwarded-proto': 'https', 'x-forwarded-for': CLIENT };

/** The API with a hook that records what each request's protocol and address were taken to be. */
async function apiSeeing(opts: TestApiOptions) {
  const seen: Array<{ protocol: string; ip: string }> = [];
  const t = await createTestApi({
    ...opts,
    beforeReady: (app: FastifyInstance) => {
      app.addHook('onRequest', async (request) => {
        seen.push({ protocol: request.protocol, ip: request.ip });
      });
    },
  });
  const signIn = async (remoteAddress: string, headers: Record<string, string> = {}) => {
    seen.length = 0;
    const res = await t.app.inject({ method: 'POST', url: '/console/api/sign-in', remoteAddress, headers, payload: { token: ROLE_TOKENS.intake } });
    expect(res.statusCode).toBe(200);
    const cookie = res.cookies.find((c) => c.name === 'lexbridge_console');
    expect(cookie).toBeDefined();
    return { res, cookie: cookie!, seen: seen[0]! };
  };
  return { t, signIn };
}

describe('the console session cookie behind a proxy', () => {
  const apis: TestApi[] = [];
  let plain: Awaited<ReturnType<typeof apiSeeing>>;
  let proxied: Awaited<ReturnType<typeof apiSeeing>>;
  let always: Awaited<ReturnType<typeof apiSeeing>>;
  beforeAll(async () => {
    plain = await apiSeeing({});
    proxied = await apiSeeing({ trustProxy: [PROXY, 'loopback'] });
    always = await apiSeeing({ consoleCookieSecure: 'always' });
    apis.push(plain.t, proxied.t, always.t);
  });
  afterAll(async () => {
    for (const t of apis) await t.close();
  });

  it('trusts no proxy by default: X-Forwarded-Proto and -For are ignored', async () => {
    const { cookie, seen } = await plain.signIn(PROXY, FORWARDED);
    expect(cookie.secure).toBeUndefined();
    expect(seen).toEqual({ protocol: 'http', ip: PROXY });
  });

  it('behind a listed proxy, its X-Forwarded-Proto: https makes the cookie Secure and its X-Forwarded-For the address', async () => {
    const { cookie, seen } = await proxied.signIn(PROXY, FORWARDED);
    expect(cookie).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Strict', path: '/console' });
    expect(seen).toEqual({ protocol: 'https', ip: CLIENT });
    // A named range works too (the inject default peer is 127.0.0.1).
    expect((await proxied.signIn('127.0.0.1', FORWARDED)).cookie.secure).toBe(true);
  });

  it('a client that is not a listed proxy cannot claim HTTPS or another address', async () => {
    const { cookie, seen } = await proxied.signIn(STRANGER, FORWARDED);
    expect(cookie.secure).toBeUndefined();
    expect(seen).toEqual({ protocol: 'http', ip: STRANGER });
  });

  it('a listed proxy that forwarded plain HTTP gets a cookie without Secure (auto)', async () => {
    const { cookie } = await proxied.signIn(PROXY, { 'x-forwarded-proto': 'http', 'x-forwarded-for': CLIENT });
    expect(cookie.secure).toBeUndefined();
  });

  it('with CONSOLE_COOKIE_SECURE=always the cookie is Secure over plain HTTP too, and sign-out clears it the same way', async () => {
    const { cookie, res } = await always.signIn(STRANGER);
    expect(cookie.secure).toBe(true);
    const out = await always.t.app.inject({
      method: 'POST',
      url: '/console/api/sign-out',
      cookies: { lexbridge_console: cookie.value },
      headers: { 'x-csrf-token': res.json().csrfToken as string },
    });
    expect(out.statusCode).toBe(204);
    const cleared = out.cookies.find((c) => c.name === 'lexbridge_console');
    expect(cleared).toMatchObject({ value: '', secure: true, path: '/console' });
  });
});
