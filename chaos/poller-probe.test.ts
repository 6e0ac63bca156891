import { describe, expect, it } from 'vitest';
import { parsePollerMetrics } from './poller-probe.js';

describe('reading a poller metrics page', () => {
  it('finds the leader flag, the pages read by polls and the polls finished', () => {
    const text = [
      '# HELP lexbridge_poller_is_leader 1 when this replica holds the polling lease',
      'lexbridge_poller_is_leader{service="poller"} 1',
      'lexbridge_poller_pages_total{mode="poll",service="poller"} 12',
      'lexbridge_poller_pages_total{mode="reconcile",service="poller"} 40',
      'lexbridge_poller_poll_duration_seconds_count{mode="poll",outcome="ok",service="poller"} 7',
      'lexbridge_poller_poll_duration_seconds_count{mode="poll",outcome="error",service="poller"} 2',
      'lexbridge_poller_poll_duration_seconds_count{mode="backfill",outcome="ok",service="poller"} 5',
    ].join('\n');
    expect(parsePollerMetrics(text)).toEqual({ leader: true, pages: 12, polls: 9 });
  });

  it('reads a follower that has not polled yet as zeroes', () => {
    expect(parsePollerMetrics('lexbridge_poller_is_leader{service="poller"} 0\n')).toEqual({ leader: false, pages: 0, polls: 0 });
  });
});
