import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { errorBodySchema, ERROR_STATUS } from '../errors.js';
import { clientErrorHandler, loggableUrl, MAX_URL_LENGTH } from './request-bounds.js';

/** A socket that keeps what is written to it. */
function fakeSocket() {
  const s = Object.assign(new EventEmitter(), { written: '', destroyed: false, writable: true });
  return Object.assign(s, {
    write: (chunk: string) => ((s.written += chunk), true),
    destroy: () => ((s.destroyed = true), s),
  });
}
const server = { log: { info: () => {} } } as unknown as FastifyInstance;

describe('answers to requests Node refuses before parsing', () => {
  for (const [code, status] of [['HPE_HEADER_OVERFLOW', 431], ['ERR_HTTP_REQUEST_TIMEOUT', 408], ['HPE_INVALID_METHOD', 400]] as const) {
    it(`answers ${code} with ${status} in the error shape, then closes`, () => {
      const socket = fakeSocket();
      clientErrorHandler.call(server, Object.assign(new Error('x'), { code }), socket as unknown as Socket);
      const [head, body] = socket.written.split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(head).toContain('Content-Type: application/json');
      const parsed = errorBodySchema.parse(JSON.parse(body!));
      expect(ERROR_STATUS[parsed.error.code]).toBe(status);
      expect(socket.destroyed).toBe(true);
    });
  }

  it('says nothing to a socket that was reset', () => {
    const socket = fakeSocket();
    clientErrorHandler.call(server, Object.assign(new Error('x'), { code: 'ECONNRESET' }), socket as unknown as Socket);
    expect(socket.written).toBe('');
  });

  it('logs an over-long URL cut, with its length', () => {
    expect(loggableUrl('/short')).toBe('/short');
    const logged = loggableUrl(`/${'x'.repeat(MAX_URL_LENGTH)}`);
    expect(logged.length).toBeLessThan(300);
    expect(logged).toContain(`(${MAX_URL_LENGTH + 1} characters)`);
  });
});
