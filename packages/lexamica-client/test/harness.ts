/**
 * Test harness for the client: a real loopback `ScriptServer`, a client pointed at it with an
 * injected sleep (records the delays asked for, waits for nothing) and fixed jitter, and a
 * collector of every error the tests provoke so each file can prove no key or personal value leaked.
 */
import { inspect } from 'node:util';
import { ScriptServer } from '@lexbridge/testkit';
import { afterEach, beforeEach, expect } from 'vitest';
import { createLexamicaClient, type LexamicaClient, type LexamicaClientOptions } from '../src/client.js';

export const ORG_ID = 'org-1';
export const PUBLIC_KEY = 'pk_test_7f3a9c1e5b2d4f6a8c0e';
export const PRIVATE_KEY = 'sk_test_0d9e8f7a6b5c4d3e2f1a';
/** Personal values a response may carry; none may reach an error. */
export const PERSONAL = { firstName: 'Augusta', lastName: 'Lovelace', email: 'augusta.lovelace@example.com', phone: '+1-555-0100' };
const FORBIDDEN = [PUBLIC_KEY, PRIVATE_KEY, PERSONAL.lastName, PERSONAL.email, PERSONAL.phone];

export interface Harness {
  server: ScriptServer;
  client: LexamicaClient;
  /** Delays the client asked the injected sleep for, in order. */
  delays: number[];
  /** Every error caught through {@link Harness.failure}. */
  errors: unknown[];
  /** Awaits a call that must fail and returns its error (recorded for the secrets scan). */
  failure(p: Promise<unknown>): Promise<Error>;
  stop(): Promise<void>;
}

export async function startHarness(opts: Partial<LexamicaClientOptions> = {}): Promise<Harness> {
  const server = await new ScriptServer().start();
  const delays: number[] = [];
  const errors: unknown[] = [];
  const client = createLexamicaClient({
    baseUrl: server.baseUrl,
    orgId: ORG_ID,
    publicKey: PUBLIC_KEY,
    privateKey: PRIVATE_KEY,
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...opts,
  });
  return {
    server,
    client,
    delays,
    errors,
    async failure(p) {
      try {
        await p;
      } catch (err) {
        errors.push(err);
        return err as Error;
      }
      throw new Error('expected the call to fail, but it succeeded');
    },
    stop: () => server.stop(),
  };
}

/** Every way an error can be printed or serialised: message, stack, JSON, and a deep inspect (with cause). */
/**
 * A fresh harness for each test of the enclosing block (handed to `set` before it runs); after it,
 * no error the client raised may show a secret, and the harness is stopped.
 */
export function useHarness(set: (h: Harness) => void): void {
  let current: Harness | undefined;
  beforeEach(async () => {
    current = await startHarness();
    set(current);
  });
  afterEach(async () => {
    if (!current) return;
    expectNoSecrets(current.errors);
    await current.stop();
  });
}

function renderings(err: unknown): string[] {
  const e = err as Error;
  return [String(e.message), String(e.stack), JSON.stringify(e), inspect(e, { depth: 10, showHidden: true })];
}

/** Fails when any key or personal value appears in any rendering of any of `errors`. */
export function expectNoSecrets(errors: readonly unknown[]): void {
  for (const err of errors) {
    for (const text of renderings(err)) {
      for (const secret of FORBIDDEN) expect(text, `${(err as Error).name} leaks a secret`).not.toContain(secret);
    }
  }
}

/** A stored event in the default profile's shape. */
export function storedEvent(n: number, createdAt: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    _id: `evt-${n}`,
    event: 'Case Invitation Sent',
    subscription: 'sub-1',
    mapping: 'map-1',
    createdAt,
    payload: { invitation_id: `inv-${n}` },
    ...extra,
  };
}
