/**
 * End-to-end harness: a listening sandbox (the Lexamica peer), a client pointed at it with the
 * firm's example configuration set up, and a private Redis key prefix per test file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { createLexamicaClient, type LexamicaClient } from '@lexbridge/lexamica-client';
import { buildSandbox, type Sandbox, type SandboxOptions } from '@lexbridge/sandbox';
import { firmConfigSchema, loadFirmConfig, type FirmConfig } from '@lexbridge/shared/firm-config';
import { applySetup, planSetup, type PollerTiming } from '@lexbridge/poller';

/** A poller that polls every 100 ms with a short lease, for tests that must not wait. */
export const FAST_POLLER_TIMING: PollerTiming = {
  intervalMs: 100,
  overlapMs: 5_000,
  reconcileIntervalMs: 3_600_000,
  reconcileWindowMs: 86_400_000,
  initialLookbackMs: 3_600_000,
  leaseTtlMs: 600,
};

export const EXAMPLE_CONFIG = fileURLToPath(new URL('../lexbridge.example.yaml', import.meta.url));

/**
 * The example firm YAML with top-level sections replaced by those of `fragments` (YAML text or
 * objects, later ones win): tests set their own rules without depending on the example's.
 */
export function exampleConfigWith(...fragments: Array<string | Record<string, unknown>>): string {
  const merged = parseYaml(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Record<string, unknown>;
  for (const f of fragments) Object.assign(merged, typeof f === 'string' ? ((parseYaml(f) as Record<string, unknown> | null) ?? {}) : f);
  return stringifyYaml(merged);
}

export interface RunningSandbox {
  sandbox: Sandbox;
  baseUrl: string;
  client: LexamicaClient;
  firm: FirmConfig;
  /** Mapping ids by role, after set-up. */
  mappingIds: Partial<Record<string, string>>;
  close(): Promise<void>;
}

/** Starts a sandbox on a free loopback port and sets up the example firm's mappings and subscriptions on it. */
export async function startSandbox(opts: SandboxOptions = {}, clientOpts: Partial<Parameters<typeof createLexamicaClient>[0]> = {}): Promise<RunningSandbox> {
  const sandbox = await buildSandbox({ seed: 7, ...opts });
  const address = await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  const { org } = sandbox.state;
  const client = createLexamicaClient({
    baseUrl: address,
    orgId: org.id,
    publicKey: org.publicKey,
    privateKey: org.privateKey,
    timeoutMs: 5_000,
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    ...clientOpts,
  });
  const firm = loadFirmConfig(EXAMPLE_CONFIG, firmConfigSchema);
  const mappingIds = await applySetup(client, await planSetup(client, firm));
  return { sandbox, baseUrl: address, client, firm, mappingIds, close: () => sandbox.close() };
}
