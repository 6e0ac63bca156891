/**
 * The console's calls to /console/api: same origin, the session cookie sent by the browser, the
 * CSRF token added to every POST. Errors come back in the API's one shape and are thrown as
 * {@link ApiFailure} with its code, message and field.
 */
import type { CaseFacts } from '@lexbridge/core/ledger';

export interface Session {
  identity: { name: string; roles: string[] };
  csrfToken: string;
  expiresAt: string;
  declineReasons: string[];
  shadow: boolean;
  clientContact: boolean;
}

/** The case facts as the ledger keeps them (one definition, in the core). */
export type Facts = CaseFacts;

export interface Decision {
  action: string;
  reason?: string;
  note?: string;
  rule: string | null;
  trace: Array<{ rule: string; matched: boolean }>;
  source: string;
  decidedAt: string;
  by?: string;
}

export interface Invitation {
  invitationId: string;
  state: string;
  caseId?: string;
  caseType?: string;
  facts?: Facts;
  expires: string;
  lexamicaStatus?: string;
  decision?: Decision;
  lastError?: string;
  history: Array<{ at: string; state: string; note?: string }>;
}

export interface WaitingItem {
  invitation: Invitation;
  evaluating: boolean;
  why: string;
  capacity: { caseType: string; used: number; limit: number } | null;
  guard: { do: 'evaluate' | 'alert'; at: string } | null;
}

export interface ActivityItem {
  cursor: string;
  type: string;
  occurredAt: string;
  invitationId: string | null;
  summary: string;
  by: string;
  outcome: 'ok' | 'failed' | 'info';
}

export interface FailedJob {
  queue: string;
  id: string;
  name: string;
  failedReason: string;
  attemptsMade: number;
  maxAttempts: number;
  failedAt?: string;
}

export interface Activity {
  items: ActivityItem[];
  failed: FailedJob[];
  failedCounts: Record<string, number>;
  updateDue: Array<{ caseId: string; lastUpdate: string; dueAt: string; daysLeft: number }>;
  updateRule: { warnAfterDays: number; limitDays: number };
}

export interface Health {
  checkedAt: string;
  pollLagSeconds: number | null;
  queues: Record<string, { waiting: number; active: number; delayed: number; failed: number }>;
  stuck: number;
  lexamicaErrorsLastHour: number;
}

export interface WhatIfRow {
  invitationId: string;
  caseType: string | null;
  factsKept: boolean;
  decided: { action: string; rule: string | null; description: string; by: string };
  wouldDecide: { action: string; rule: string | null; description: string };
  differs: boolean;
}

/** An error answer of the API. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

let csrfToken = '';

/** Remembers the session's CSRF token for the POSTs that follow. */
export function useCsrf(token: string): void {
  csrfToken = token;
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method === 'POST') headers['x-csrf-token'] = csrfToken;
  const res = await fetch(`/console/api/${path}`, { method, headers, credentials: 'same-origin', ...(body !== undefined && { body: JSON.stringify(body) }) });
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string; field?: string } };
  if (!res.ok) throw new ApiFailure(res.status, json.error?.code ?? 'error', json.error?.message ?? `the API answered ${res.status}`, json.error?.field);
  return json as T;
}

export const api = {
  signIn: (name: string, token: string) => call<Session>('POST', 'sign-in', { token, ...(name && { name }) }),
  session: () => call<Session>('GET', 'session'),
  signOut: () => call<void>('POST', 'sign-out'),
  waiting: () => call<{ now: string; shadow: boolean; items: WaitingItem[] }>('GET', 'waiting'),
  invitation: (id: string) => call<Invitation>('GET', `invitations/${encodeURIComponent(id)}`),
  decide: (id: string, body: { action: string; reason?: string; details?: string }) => call<{ invitation: Invitation }>('POST', `invitations/${encodeURIComponent(id)}/decision`, body),
  activity: () => call<Activity>('GET', 'activity'),
  retry: (queue: string, id: string) => call<unknown>('POST', `jobs/${encodeURIComponent(queue)}/${encodeURIComponent(id)}/retry`),
  whatIf: (rules: string, limit: number) => call<{ items: WhatIfRow[]; differing: number }>('POST', 'what-if', { rules, limit }),
  health: () => call<Health>('GET', 'health'),
};
