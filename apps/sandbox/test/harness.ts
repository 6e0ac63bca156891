/**
 * Test harness: a sandbox listening on 127.0.0.1:0 with a controllable clock, the tests' own wire
 * client pointed at it (see wire-client.ts: never Lexbridge's), and the firm's mappings and
 * subscriptions set up.
 */
import type { AddressInfo } from 'node:net';
import { buildSandbox, type Sandbox, type SandboxOptions } from '../src/app.js';
import { createWireClient, type WireClient, type WireClientOptions } from './wire-client.js';

export const T0 = Date.parse('2025-03-01T12:00:00.000Z');

/** A clock tests move by hand. */
export interface TestClock {
  now(): number;
  set(ms: number): void;
  advance(ms: number): void;
}

export function createClock(start = T0): TestClock {
  let t = start;
  return { now: () => t, set: (ms) => void (t = ms), advance: (ms) => void (t += ms) };
}

export interface Running {
  sandbox: Sandbox;
  baseUrl: string;
  client: WireClient;
  /** Another client on the same sandbox, with options overridden. */
  clientWith(overrides: Partial<WireClientOptions>): WireClient;
  /** `fetch` of a sandbox path, for what the client will not send (bad limits, no key). */
  raw(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Running> {
  const sandbox = buildSandbox({ seed: 11, ...options });
  await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = sandbox.app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const { org } = sandbox.state;
  const clientWith = (overrides: Partial<WireClientOptions>) => createWireClient({ baseUrl, orgId: org.id, publicKey: org.publicKey, privateKey: org.privateKey, ...overrides });
  return {
    sandbox,
    baseUrl,
    client: clientWith({}),
    clientWith,
    raw: (path, init) => fetch(`${baseUrl}${path.replace('{orgId}', org.id)}`, init),
    close: () => sandbox.close(),
  };
}

/** The firm's mappings, in its own field names (as in lexbridge.example.yaml). */
export const INVITATION_MAPPING = {
  name: 'Test invitations',
  model: 'CaseInvitation',
  fields: [
    { external: 'invitation_id', lexamica: '_id' },
    { external: 'invitation_status', lexamica: 'status' },
    { external: 'expires_at', lexamica: 'expires' },
    { external: 'matter_id', lexamica: 'referral._id' },
    { external: 'matter_type', lexamica: 'referral.caseType' },
    { external: 'incident.us_state', lexamica: 'referral.incident.state' },
    { external: 'client.first_name', lexamica: 'referral.client.firstName' },
    { external: 'decline_reason', lexamica: 'reason' },
  ],
};
const CASE_UPDATE_MAPPING = {
  name: 'Test case updates',
  model: 'CaseUpdate',
  fields: [
    { external: 'matter_id', lexamica: 'referral._id' },
    { external: 'headline', lexamica: 'title' },
    { external: 'body', lexamica: 'content' },
    { external: 'posted_at', lexamica: 'date' },
  ],
};
export const CASE_MAPPING = { name: 'Test cases', model: 'Case', fields: [{ external: 'matter_id', lexamica: '_id' }] };

// The documented spellings (lexamica-api.md §5), written out here rather than taken from the sandbox.
const INVITATION_EVENTS = [
  'Case Invitation Sent', 'Case Invitation Accepted', 'Case Invitation Declined', 'Case Invitation Evaluated',
  'Case Invitation Cancelled', 'Case Invitation Expired', 'Case Invitation Closed', 'Case Invitation Contact Attempted',
  'Case Invitation Consult Complete',
];

/** Creates the three mappings and subscribes to every invitation event, case updates and files. */
export async function setUpFirm(client: WireClient) {
  const invitation = await client.mappings.create(INVITATION_MAPPING);
  const caseUpdate = await client.mappings.create(CASE_UPDATE_MAPPING);
  const kase = await client.mappings.create(CASE_MAPPING);
  for (const event of INVITATION_EVENTS) await client.subscriptions.create({ event, mapping: invitation.id });
  await client.subscriptions.create({ event: 'Case Update Made', mapping: caseUpdate.id });
  await client.subscriptions.create({ event: 'Case File Uploaded', mapping: kase.id });
  return { invitation: invitation.id, caseUpdate: caseUpdate.id, kase: kase.id };
}

/** Every stored event, page by page. */
export const allEvents = (client: WireClient, event?: string) => client.allEvents(event);

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}
