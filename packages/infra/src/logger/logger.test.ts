import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './index.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, destination: destination as unknown as import('pino').DestinationStream };
}

describe('createLogger', () => {
  it('writes no Lexamica key, token or client personal data anywhere in its output', () => {
    const { lines, destination } = capture();
    const privateKey = 'priv_9f8e7d6c5b4a';
    const publicKey = 'pub_1a2b3c4d5e6f';
    const log = createLogger({ name: 'test', destination, secrets: [privateKey, publicKey, 'api-token-xyz123'], level: 'debug' });
    log.info({ req: { headers: { authorization: `Bearer ${privateKey}` } } }, 'request');
    log.info({ url: `https://x/y?key=${publicKey}` }, `calling with ${publicKey}`);
    log.warn({ payload: { referral: { client: { firstName: 'Ada', email: 'ada@example.com', phone: '555-0101' } } } }, 'payload');
    log.error({ err: new Error(`failed with api-token-xyz123 for ada@example.com`), client_email: 'ada@example.com', date_of_birth: '1990-01-01' }, 'boom');
    log.child({ config: { privateKey } }).debug('child');
    const out = lines.join('');
    for (const needle of [privateKey, publicKey, 'api-token-xyz123', 'Ada', 'ada@example.com', '555-0101', '1990-01-01']) {
      expect(out, needle).not.toContain(needle);
    }
    expect(lines).toHaveLength(5);
    expect(out).toContain('[Redacted]');
  });

  it('serializes request objects (getters included) before redacting them', () => {
    const { lines, destination } = capture();
    class Req {
      get method() {
        return 'POST';
      }
      get url() {
        return '/v1/x?key=pub_1a2b3c4d5e6f';
      }
      headers = { authorization: 'Bearer tok_123456789', 'x-client-email': 'ada@example.com' };
      socket = {};
    }
    createLogger({ name: 'svc', destination }).info({ req: new Req() }, 'request');
    const line = JSON.parse(lines[0]!);
    expect(line.req.method).toBe('POST');
    expect(line.req.url).toBe('/v1/x?key=[Redacted]');
    expect(lines[0]).not.toContain('tok_123456789');
    expect(lines[0]).not.toContain('ada@example.com');
  });

  it("hides the arguments of a failed Redis command (they carry job payloads), keeping the command's name", () => {
    const { lines, destination } = capture();
    class ReplyError extends Error {
      command = { name: 'evalsha', args: ['sha', 'key', '{"client":{"phone":"555-0101"},"email":"ada@example.com"}'] };
    }
    createLogger({ name: 'svc', destination }).warn({ err: new ReplyError('LOADING Redis is loading the dataset in memory') }, 'poll failed');
    expect(lines[0]).not.toContain('555-0101');
    expect(JSON.parse(lines[0]!).err.command).toEqual({ name: 'evalsha', args: '[Redacted]' });
  });

  it('keeps what is not sensitive', () => {
    const { lines, destination } = capture();
    createLogger({ name: 'svc', destination }).info({ queue: 'invitations', caseType: 'Employment' }, 'hello');
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ service: 'svc', queue: 'invitations', caseType: 'Employment', msg: 'hello' });
  });
});
