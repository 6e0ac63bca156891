import { describe, expect, it } from 'vitest';
import { createFaultInjector } from './fault-injector.js';

const NOW = Date.parse('2025-03-01T12:00:00.000Z');

describe('fault injector', () => {
  it('injects nothing by default', () => {
    const f = createFaultInjector(1);
    for (let i = 0; i < 100; i++) {
      expect(f.planRequest()).toEqual({});
      expect(f.planEvent(NOW)).toEqual({ atMs: NOW, duplicate: false });
    }
    expect(f.counts().total).toBe(0);
  });

  it('fires a rate of 1 every time, one failure per request, and counts each kind', () => {
    const f = createFaultInjector(1, { serverError: { rate: 1 }, rateLimit: { rate: 1, retryAfterSec: 3 }, latency: { rate: 1, minMs: 5, maxMs: 5 } });
    expect(f.planRequest()).toEqual({ delayMs: 5, serverError: 503 });
    f.update({ serverError: { rate: 0 } });
    expect(f.planRequest()).toEqual({ delayMs: 5, rateLimit: 3 });
    expect(f.counts()).toMatchObject({ total: 4, byKind: { '5xx': 1, '429': 1, latency: 2 } });
  });

  it('stores late events inside the window and pins one timestamp for a run of events', () => {
    const late = createFaultInjector(2, { lateEvent: { rate: 1, windowMs: 1000 } });
    for (let i = 0; i < 50; i++) {
      const { atMs } = late.planEvent(NOW);
      expect(atMs).toBeLessThan(NOW);
      expect(atMs).toBeGreaterThanOrEqual(NOW - 1000);
    }
    const same = createFaultInjector(2, { sameTimestamp: { rate: 1, count: 4 } });
    const times = [0, 1, 2, 3].map((i) => same.planEvent(NOW + i * 10).atMs);
    expect(new Set(times)).toEqual(new Set([NOW]));
    expect(same.counts().byKind.sameTimestamp).toBe(1);
  });

  it('keeps unmentioned settings on a partial update and rejects bad ones naming the field', () => {
    const f = createFaultInjector(1, { rateLimit: { rate: 0.5, retryAfterSec: 7 } });
    expect(f.update({ rateLimit: { rate: 0.2 } }).success).toBe(true);
    expect(f.config.rateLimit).toEqual({ rate: 0.2, retryAfterSec: 7 });
    const bad = f.update({ latency: { rate: 2 } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['latency', 'rate']);
    expect(f.update({ nonsense: {} }).success).toBe(false);
    expect(f.config.latency.rate).toBe(0);
  });
});
