/**
 * End-to-end harness: a listening sandbox (the Lexamica peer), a client pointed at it with the
 * firm's example configuration set up, and a private Redis key prefix per test file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { createLexamicaClient, defaultProfile, resolveProfile, type ApiProfile, type LexamicaClient } from '@lexbridge/lexamica-client';
import { builtInProfileFile, buildSandbox, profileSectionOf, type BuiltInProfile, type Sandbox, type SandboxOptions } from '@lexbridge/sandbox';
import { firmConfigSchema, parseFirmConfig, type FirmConfig } from '@lexbridge/core/firm-config';
import { applySetup, planSetup } from '@lexbridge/cli';
import type { PollerTiming } from '@lexbridge/poller';
import { processorFirmConfigSchema, type ProcessorFirmConfig } from '@lexbridge/processor';

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

/**
 * The firm of the example YAML, live (not shadow) and without capacity limits, accepting every
 * invitation but those in `manualIds`, which it leaves to a person; `extra` replaces top-level
 * sections after that (an `expiryGuard`, say).
 */
export function acceptingFirm(manualIds: readonly string[], extra: Record<string, unknown> = {}): ProcessorFirmConfig {
  return processorFirmConfigSchema.parse({
    ...(parseYaml(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Record<string, unknown>),
    shadow: false,
    rules: [{ name: 'left-to-a-lawyer', when: { field: '_id', in: manualIds }, then: { action: 'manual' } }],
    default: { action: 'accept' },
    capacity: [],
    ...extra,
  });
}

/** The two built-in API profiles the core end-to-end scenarios run under. */
export const PROFILES: readonly BuiltInProfile[] = ['default', 'alternate'];

/** The `profile:` section of a built-in profile, as a firm would paste it into its YAML (none for `default`). */
function profileOverrideOf(name: BuiltInProfile): Record<string, unknown> | undefined {
  if (name === 'default') return undefined;
  return profileSectionOf(readFileSync(builtInProfileFile(name), 'utf8')) as Record<string, unknown>;
}

/**
 * The example firm YAML adapted to a built-in profile as a firm would adapt it: the profile's
 * `profile:` section pasted in, and each subscription renamed to the profile's spelling of its event.
 * Top-level `fragments` replace sections as in {@link exampleConfigWith}.
 */
export function exampleConfigFor(name: BuiltInProfile, ...fragments: Array<string | Record<string, unknown>>): string {
  const override = profileOverrideOf(name);
  const merged = parseYaml(exampleConfigWith(...fragments)) as { subscriptions: Array<{ event: string }> } & Record<string, unknown>;
  if (!override) return stringifyYaml(merged);
  const profile = resolveProfile(override);
  const rename = new Map(Object.entries(defaultProfile.events).map(([k, v]) => [v, profile.events[k as keyof ApiProfile['events']]]));
  merged.subscriptions = merged.subscriptions.map((sub) => ({ ...sub, event: rename.get(sub.event) ?? sub.event }));
  return stringifyYaml({ ...merged, profile: override });
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

/**
 * Starts a sandbox on a free loopback port, serving `opts.profile` (a built-in name; default
 * `default`), and sets up the example firm's mappings and subscriptions on it through a client
 * configured from the firm YAML for that profile (`firmYaml`, default {@link exampleConfigFor}).
 */
export async function startSandbox(
  opts: Omit<SandboxOptions, 'profile'> & { profile?: BuiltInProfile; firmYaml?: string; sandboxProfile?: SandboxOptions['profile']; webhookSecret?: string } = {},
  clientOpts: Partial<Parameters<typeof createLexamicaClient>[0]> = {},
): Promise<RunningSandbox> {
  const { profile: profileName = 'default', firmYaml, sandboxProfile, webhookSecret, ...sandboxOpts } = opts;
  const sandbox = await buildSandbox({ seed: 7, ...sandboxOpts, profile: sandboxProfile ?? profileName });
  const address = await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  const { org } = sandbox.state;
  const firm = parseFirmConfig(firmYaml ?? exampleConfigFor(profileName), 'e2e.yaml', firmConfigSchema);
  const client = createLexamicaClient({
    baseUrl: address,
    orgId: org.id,
    publicKey: org.publicKey,
    privateKey: org.privateKey,
    timeoutMs: 5_000,
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    profile: resolveProfile(firm.profile),
    ...clientOpts,
  });
  const mappingIds = await applySetup(client, await planSetup(client, firm), webhookSecret ? { webhookSecret } : {});
  return { sandbox, baseUrl: address, client, firm, mappingIds, close: () => sandbox.close() };
}
