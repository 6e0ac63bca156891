/**
 * The suite's side of the sandbox: its `/__sandbox/*` control and inspection routes (never behind a
 * key or a fault), with every answer parsed, so a change in the sandbox fails loudly here.
 */
import type { FaultConfigInput, ScenarioOptionsInput } from '@lexbridge/sandbox';
import { z } from 'zod';

const invitationSchema = z.looseObject({
  _id: z.string(),
  status: z.string(),
  expires: z.string(),
  sentAt: z.string(),
  referral: z.looseObject({
    _id: z.string(),
    client: z.looseObject({ firstName: z.string(), lastName: z.string(), email: z.string(), phone: z.string() }),
  }),
});

const actionSchema = z.looseObject({
  at: z.string(),
  invitationId: z.string(),
  action: z.string(),
  outcome: z.enum(['ok', 'conflict', 'invalid', 'not_found']),
  status: z.string().optional(),
  afterExpiry: z.boolean(),
  duplicate: z.boolean(),
});

const caseUpdateSchema = z.looseObject({
  _id: z.string(),
  referral: z.looseObject({ _id: z.string() }),
  title: z.string(),
  content: z.string(),
  author: z.looseObject({ firm: z.enum(['originator', 'handler']) }),
});

const statsSchema = z.looseObject({
  invitations: z.looseObject({ sent: z.number(), open: z.number(), acted: z.number(), expiredUnanswered: z.number() }),
  actions: z.looseObject({ total: z.number(), ok: z.number(), conflict: z.number(), duplicate: z.number(), afterExpiry: z.number() }),
  caseUpdates: z.looseObject({ received: z.number(), total: z.number() }),
  events: z.looseObject({ stored: z.number(), retained: z.number() }),
  faults: z.looseObject({ injected: z.number(), byKind: z.record(z.string(), z.number()) }),
});

/** An invitation as the sandbox holds it (the fields the checks read). */
export type SandboxInvitation = z.infer<typeof invitationSchema>;
/** One action the firm sent, as the sandbox logged it. */
export type SandboxAction = z.infer<typeof actionSchema>;
/** A case update the sandbox received (handler) or posted (originator). */
export type SandboxCaseUpdate = z.infer<typeof caseUpdateSchema>;
export type SandboxStatsView = z.infer<typeof statsSchema>;

/** Every fault off: what the suite sets before it waits for Lexbridge to settle. */
export const NO_FAULTS: FaultConfigInput = {
  serverError: { rate: 0 },
  rateLimit: { rate: 0 },
  latency: { rate: 0 },
  reset: { rate: 0 },
  duplicateEvent: { rate: 0 },
  lateEvent: { rate: 0 },
  sameTimestamp: { rate: 0 },
};

export interface SandboxControl {
  readonly baseUrl: string;
  stats(): Promise<SandboxStatsView>;
  invitations(): Promise<SandboxInvitation[]>;
  actions(): Promise<SandboxAction[]>;
  caseUpdates(): Promise<SandboxCaseUpdate[]>;
  setFaults(faults: FaultConfigInput): Promise<void>;
  /** Starts (or re-starts with merged options) the originator scenario. */
  startScenario(options: ScenarioOptionsInput): Promise<void>;
  stopScenario(): Promise<void>;
  /** Sends `count` invitations now, with the scenario's current options. */
  sendInvitations(count: number): Promise<void>;
  /** Webhook push faults (`POST /__sandbox/webhooks`). */
  setWebhookFaults(faults: Record<string, unknown>): Promise<void>;
  /** What the webhook pusher did. */
  webhooks(): Promise<WebhookView>;
}

const webhookViewSchema = z.object({
  stats: z.object({ wanted: z.number(), delivered: z.number(), dropped: z.number(), duplicated: z.number(), delayed: z.number(), badlySigned: z.number(), retries: z.number(), failed: z.number(), pending: z.number() }),
  undelivered: z.array(z.string()),
});
export type WebhookView = z.infer<typeof webhookViewSchema>;

export function createSandboxControl(baseUrl: string): SandboxControl {
  const call = async <T>(method: 'GET' | 'POST', path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return schema.parse(JSON.parse(text));
  };
  const list = <T>(schema: z.ZodType<T>) => z.object({ data: z.array(schema) }).transform((r) => r.data);
  const anything = z.unknown();

  return {
    baseUrl,
    stats: () => call('GET', '/__sandbox/stats', statsSchema),
    invitations: () => call('GET', '/__sandbox/invitations', list(invitationSchema)),
    actions: () => call('GET', '/__sandbox/actions', list(actionSchema)),
    caseUpdates: () => call('GET', '/__sandbox/case-updates', list(caseUpdateSchema)),
    setFaults: async (faults) => void (await call('POST', '/__sandbox/faults', anything, faults)),
    startScenario: async (options) => void (await call('POST', '/__sandbox/scenario/start', anything, options)),
    stopScenario: async () => void (await call('POST', '/__sandbox/scenario/stop', anything, {})),
    sendInvitations: async (count) => void (await call('POST', '/__sandbox/invitations', anything, { count })),
    setWebhookFaults: async (faults) => void (await call('POST', '/__sandbox/webhooks', anything, faults)),
    webhooks: () => call('GET', '/__sandbox/webhooks', webhookViewSchema),
  };
}
