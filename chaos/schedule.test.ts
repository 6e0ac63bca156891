import { describe, expect, it } from 'vitest';
import { planStrikes, seededUnit } from './schedule.js';

describe('the strike plan', () => {
  const plan = planStrikes({ seed: 42, driveMs: 200_000, processorKills: 12, pollerKills: 6, redisRestarts: 2 });

  it('plans every strike asked for, in time order, inside the window', () => {
    expect(plan.filter((s) => s.kind === 'processor')).toHaveLength(12);
    expect(plan.filter((s) => s.kind === 'poller')).toHaveLength(6);
    expect(plan.filter((s) => s.kind === 'redis').map((s) => s.signal)).toEqual(['SIGKILL', 'SIGTERM']);
    expect(plan.map((s) => s.atMs)).toEqual([...plan.map((s) => s.atMs)].sort((a, b) => a - b));
    for (const s of plan) {
      expect(s.atMs).toBeGreaterThanOrEqual(5_000);
      expect(s.atMs).toBeLessThanOrEqual(160_000);
      expect([0, 1]).toContain(s.target);
    }
  });

  it('is the same for the same seed and differs for another', () => {
    expect(planStrikes({ seed: 42, driveMs: 200_000, processorKills: 12, pollerKills: 6, redisRestarts: 2 })).toEqual(plan);
    expect(planStrikes({ seed: 43, driveMs: 200_000, processorKills: 12, pollerKills: 6, redisRestarts: 2 })).not.toEqual(plan);
  });

  it('draws seeded numbers in [0, 1)', () => {
    const draws = Array.from({ length: 500 }, (_, i) => seededUnit(7, 'x', i));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(new Set(draws).size).toBe(500);
  });
});
