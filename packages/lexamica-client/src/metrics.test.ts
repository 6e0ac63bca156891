import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { startHarness } from '../test/harness.js';
import { LEXAMICA_CALLS, createLexamicaMetrics } from './metrics.js';
import type { LexamicaClient } from './client.js';

/** Every method of the client, found by walking it (not listed by hand), with its dotted path. */
function methods(client: LexamicaClient): Array<[string, (...args: unknown[]) => unknown]> {
  const found: Array<[string, (...args: unknown[]) => unknown]> = [];
  for (const [group, value] of Object.entries(client)) {
    if (group === 'profile' || typeof value !== 'object' || value === null) continue;
    for (const [name, fn] of Object.entries(value as Record<string, unknown>)) {
      if (typeof fn === 'function') found.push([`${group}.${name}`, fn as (...args: unknown[]) => unknown]);
    }
  }
  return found;
}

// One argument that reads as any of them: an id, a body, an action request or a file.
const ANY = { mappingId: 'map-1', invitationId: 'inv-1', action: 'accept', data: new Uint8Array([1]), filename: 'a.txt', event: 'Case Invitation Sent', mapping: 'map-1' };

describe('Lexamica call metrics', () => {
  it('start at zero for every operation the client can call', async () => {
    const calls = new Set<string>();
    let made: string[] = [];
    const h = await startHarness({ onResponse: (info) => made.push(info.call), retry: { maxRetries: 0 } });
    try {
      const all = methods(h.client);
      expect(all.length).toBeGreaterThan(10);
      for (const [path, fn] of all) {
        made = [];
        const result = fn(ANY, ANY);
        // `events.pages` is an async generator: its first page is its first call.
        await Promise.allSettled([Symbol.asyncIterator in Object(result) ? (result as AsyncGenerator).next() : result]);
        // The server answers 404 to everything: each method made exactly one call, whatever it is named.
        expect(made, path).toHaveLength(1);
        calls.add(made[0]!);
      }
      expect([...calls].filter((c) => !(LEXAMICA_CALLS as readonly string[]).includes(c)).sort()).toEqual([]);

      const registry = new Registry();
      createLexamicaMetrics(registry);
      const text = await registry.metrics();
      for (const call of calls) expect(text, call).toContain(`lexbridge_lexamica_requests_total{operation="${call}",status="2xx"} 0`);
    } finally {
      await h.stop();
    }
  });
});
