/**
 * Baseline (b), the loop from Lexamica's polling guide: fetch a page of stored events, then for each
 * event in turn read it, decide by the same rules and await the answer before the next one. Uses the
 * real client (retries, timeouts, response checks); no Redis.
 */
import { rulesOf } from '@lexbridge/processor';
import { createMapper } from '@lexbridge/core/mapping';
import { evaluateRules } from '@lexbridge/core/rules';
import type { BenchStack } from './stack.js';

export interface NaiveResult {
  events: number;
  seconds: number;
  eventsPerSec: number;
}

export async function runNaiveLoop(stack: BenchStack, opts: { events: number; latencyMs: number }): Promise<NaiveResult> {
  await stack.sandbox.reset();
  await stack.sandbox.setLatency(opts.latencyMs);
  const from = new Date(Date.now() - 60_000);
  await stack.sandbox.preload(opts.events);
  const mapper = createMapper(stack.firm.mappings.invitation!);
  const rules = rulesOf(stack.firm);
  const eventName = stack.client.profile.events.invitationSent;

  let answered = 0;
  const t0 = Date.now();
  for await (const page of stack.client.events.pages({ event: eventName, from, pageSize: 100 })) {
    for (const event of page.events) {
      const invitation = mapper.toLexamica(event.payload);
      const decision = evaluateRules(rules, invitation, new Date());
      if (decision.action !== 'accept' && decision.action !== 'decline') continue;
      await stack.client.invitations.act({
        mappingId: event.mappingId!,
        invitationId: String(invitation['_id']),
        action: decision.action,
        ...(decision.action === 'decline' && { body: mapper.toFirm({ reason: decision.reason }) }),
      });
      answered += 1;
    }
  }
  const seconds = (Date.now() - t0) / 1_000;
  if (answered !== opts.events) throw new Error(`naive loop answered ${answered} of ${opts.events} invitations`);
  return { events: opts.events, seconds, eventsPerSec: opts.events / seconds };
}
