import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/index.js';
import { RedisUnavailableError } from '../redis/index.js';
import { TimeoutError } from '../time/index.js';
import { errorKind, startupProblem } from './index.js';

describe('errorKind', () => {
  it('takes the kind an error family declares', () => {
    expect(errorKind(new ConfigError([{ variable: 'REDIS_URL', message: 'invalid url' }]))).toBe('config');
    expect(errorKind(new RedisUnavailableError('redis://:secret@h:6379', 1_000, 'ECONNREFUSED'))).toBe('redis-unavailable');
    expect(errorKind(new TimeoutError(700, 'metrics'))).toBe('timeout');
  });

  it('recognises aborts and the connection failures of ioredis', () => {
    const controller = new AbortController();
    controller.abort();
    expect(errorKind(controller.signal.reason)).toBe('aborted');
    expect(errorKind(new DOMException('The operation timed out.', 'TimeoutError'))).toBe('aborted');
    expect(errorKind(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe('redis-unavailable');
    expect(errorKind(new Error('Reached the max retries per request limit (which is 1).'))).toBe('redis-unavailable');
  });

  // CI's chaos run: after a Redis restart with AOF, CMS updates got 500 "internal" for
  // "LOADING Redis is loading the dataset in memory" (no ready check holds commands back any more).
  it("recognises Redis' replies that mean it cannot serve for a moment, and only those", () => {
    for (const message of ['LOADING Redis is loading the dataset in memory', "READONLY You can't write against a read only replica.", 'MASTERDOWN Link with MASTER is down', 'TRYAGAIN Multiple keys request during rehashing of slot', 'CLUSTERDOWN The cluster is down', 'BUSY Redis is busy running a script.']) {
      expect(errorKind(new Error(message)), message).toBe('redis-unavailable');
    }
    expect(errorKind(new Error('ERR wrong number of arguments for command'))).toBe('internal');
    expect(errorKind(new Error('NOSCRIPT No matching script'))).toBe('internal');
  });

  it('calls everything else internal, a name alone included', () => {
    expect(errorKind(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe('internal');
    expect(errorKind(Object.assign(new Error('x'), { name: 'LexamicaTimeoutError' }))).toBe('internal');
    expect(errorKind(Object.assign(new Error('x'), { kind: 'not-a-kind' }))).toBe('internal');
    expect(errorKind('a string')).toBe('internal');
  });

  it('gives the message of a start-up problem, and nothing for a bug', () => {
    expect(startupProblem(new ConfigError([{ variable: 'POLL_INTERVAL_MS', message: 'too small' }]))).toContain('POLL_INTERVAL_MS');
    expect(startupProblem(new RedisUnavailableError('redis://:secret@h:6379', 1_000, 'refused'))).not.toContain('secret');
    expect(startupProblem(new Error('bug'))).toBeUndefined();
  });
});
