/**
 * The firm YAML the benchmark runs with: the example's mappings, one subscription
 * (`Case Invitation Sent`), shadow mode off, and rules that answer every invitation at once (decline
 * a few states, accept the rest, no capacity limit), so a drain ends with every invitation answered.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const EXAMPLE = fileURLToPath(new URL('../lexbridge.example.yaml', import.meta.url));

/** The decision rules of the benchmark: one decline rule, everything else accepted. */
const BENCH_RULES = {
  shadow: false,
  rules: [
    {
      name: 'decline-outside-service-area',
      when: { field: 'referral.incident.state', in: ['FL', 'NY', 'GA'] },
      then: { action: 'decline', reason: 'outside our service area' },
    },
  ],
  default: { action: 'accept' },
  capacity: [],
};

/** Options of {@link writeBenchFirmConfig}. */
export interface BenchFirmOptions {
  /** Concurrency of the processor's `invitations` and `invitation-actions` queues. */
  concurrency: { invitations: number; actions: number };
}

/** Writes the benchmark's firm YAML into `dir`; returns its path. */
export function writeBenchFirmConfig(dir: string, opts: BenchFirmOptions): string {
  const example = parse(readFileSync(EXAMPLE, 'utf8')) as { mappings: unknown };
  const firm = {
    mappings: example.mappings,
    subscriptions: [{ event: 'Case Invitation Sent', mapping: 'invitation' }],
    ...BENCH_RULES,
    queues: {
      invitations: { concurrency: opts.concurrency.invitations },
      'invitation-actions': { concurrency: opts.concurrency.actions },
    },
  };
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'lexbridge.bench.yaml');
  writeFileSync(file, stringify(firm));
  return file;
}
