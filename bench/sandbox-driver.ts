/**
 * Drives the sandbox over its `/__sandbox/*` routes from the benchmark process: reset, preload
 * invitations, run the originator scenario, read counts and the action log.
 */
import type { ActionEntry, InvitationDoc, SandboxStats, ScenarioOptionsInput } from '@lexbridge/sandbox';

const HOUR = 3_600_000;

/**
 * Scenario options for benchmarks: invitations only (no cancels, updates or closes), expiring
 * hours out so none expires during a run.
 */
export const BENCH_SCENARIO: ScenarioOptionsInput = {
  expiryMs: { min: 6 * HOUR, max: 12 * HOUR },
  cancelRate: 0,
  updateRate: 0,
  closeRate: 0,
  sameTimestampBurst: { rate: 0 },
};

export interface SandboxDriver {
  /** Forgets every invitation, event and action (mappings and subscriptions stay). */
  reset(options?: ScenarioOptionsInput): Promise<void>;
  /** Sends `count` invitations now, in batches; returns their ids. */
  preload(count: number, batch?: number): Promise<string[]>;
  startScenario(options: ScenarioOptionsInput): Promise<void>;
  stopScenario(): Promise<void>;
  /** Adds `ms` to every Lexamica-profile request (the latency fault at rate 1); 0 turns it off. */
  setLatency(ms: number): Promise<void>;
  /** Webhook push faults (`POST /__sandbox/webhooks`), e.g. `{ drop: 0.1 }`. */
  setWebhookFaults(faults: Record<string, unknown>): Promise<void>;
  stats(): Promise<SandboxStats>;
  actions(): Promise<ActionEntry[]>;
  invitations(): Promise<InvitationDoc[]>;
}

export function createSandboxDriver(baseUrl: string): SandboxDriver {
  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`sandbox ${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  return {
    async reset(options = BENCH_SCENARIO) {
      await call('POST', '/__sandbox/scenario/reset', options);
    },
    async preload(count, batch = 2_000) {
      const ids: string[] = [];
      for (let sent = 0; sent < count; sent += batch) {
        const n = Math.min(batch, count - sent);
        const page = await call<{ data: InvitationDoc[] }>('POST', '/__sandbox/invitations', { count: n });
        for (const doc of page.data) ids.push(doc._id);
      }
      return ids;
    },
    async startScenario(options) {
      await call('POST', '/__sandbox/scenario/start', options);
    },
    async stopScenario() {
      await call('POST', '/__sandbox/scenario/stop', {});
    },
    async setLatency(ms) {
      await call('POST', '/__sandbox/faults', { latency: { rate: ms > 0 ? 1 : 0, minMs: ms, maxMs: ms } });
    },
    async setWebhookFaults(faults) {
      await call('POST', '/__sandbox/webhooks', faults);
    },
    stats: () => call<SandboxStats>('GET', '/__sandbox/stats'),
    actions: async () => (await call<{ data: ActionEntry[] }>('GET', '/__sandbox/actions')).data,
    invitations: async () => (await call<{ data: InvitationDoc[] }>('GET', '/__sandbox/invitations')).data,
  };
}
