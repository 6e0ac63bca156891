import { describe, expect, it } from 'vitest';
import { abuseFailures, HEALTH_LIVE_LIMIT_MS, type AbuseReport } from './abuse.js';

const clean: AbuseReport = {
  vectors: [
    { name: 'long-url', requests: 30, unexpected: 0, examples: [] },
    { name: 'flood', requests: 1_000, unexpected: 0, examples: [] },
  ],
  healthLiveMaxMs: 12,
  healthLiveP99Ms: 10,
  healthLiveMaxMsByVector: { 'long-url': 12, flood: 9 },
  healthLiveChecks: 300,
  healthLiveFailures: 0,
};

describe('judging the abuse probe', () => {
  it('passes when every vector got its expected answers and /health/live stayed fast', () => {
    expect(abuseFailures(clean)).toEqual([]);
  });

  it('fails on an unexpected answer, a slow or failed /health/live, or no measurement at all', () => {
    expect(abuseFailures({ ...clean, vectors: [{ name: 'flood', requests: 1_000, unexpected: 3, examples: ['503 service_unavailable'] }] })).toEqual([
      'abuse vector flood: 3 of 1000 answers were not the expected one (503 service_unavailable)',
    ]);
    expect(abuseFailures({ ...clean, healthLiveMaxMs: HEALTH_LIVE_LIMIT_MS })[0]).toMatch(/took 100 ms/);
    expect(abuseFailures({ ...clean, healthLiveFailures: 2 })[0]).toMatch(/failed 2 times/);
    expect(abuseFailures({ ...clean, healthLiveChecks: 0 })[0]).toMatch(/never timed/);
  });
});
