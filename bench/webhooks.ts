/**
 * Time to answer (issue 20): from the moment Lexamica stores an invitation (its `sentAt`) to the
 * moment the answer reaches Lexamica (the sandbox's action log), at a steady rate, in three runs:
 * polling only (the poll interval is the wait), webhooks on (the sandbox pushes to the receiver,
 * the poller reconciles slowly), and webhooks on with 10% of pushes dropped (the share of
 * invitations that arrived only by polling is `lexbridge_webhook_missed_total` over those sent).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { applySetup, planSetup } from '@lexbridge/cli';
import { firmConfigSchema, parseFirmConfig } from '@lexbridge/core/firm-config';
import { freePort, waitFor } from '@lexbridge/testkit';
import { percentiles, type Percentiles } from './latency.js';
import { BENCH_SCENARIO } from './sandbox-driver.js';
import { stopAndMeasure, type ServiceProcess } from './service-process.js';
import type { BenchStack } from './stack.js';

const SECRET = 'bench-webhook-secret-0123456789abcdef';

export interface TimeToAnswerRun {
  mode: 'polling' | 'webhooks' | 'webhooks-10pct-dropped';
  measured: number;
  timeToAnswerMs: Percentiles;
  /** Invitations that arrived only by polling, over those sent (webhook runs). */
  onlyByPollingShare?: number;
}

export interface WebhooksResult {
  rate: number;
  seconds: number;
  /** The poller's interval in the polling-only run, and its reconciliation interval with webhooks on. */
  pollIntervalMs: number;
  reconcileIntervalMs: number;
  runs: TimeToAnswerRun[];
  rssMb: Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function missedTotal(opsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('lexbridge_webhook_missed_total'))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

export async function runWebhooks(
  stack: BenchStack,
  opts: { rate: number; seconds: number; warmupSeconds: number; pollIntervalMs: number; reconcileIntervalMs: number; firmFile: string },
): Promise<WebhooksResult> {
  const started: ServiceProcess[] = [];
  const rss: Record<string, number> = {};
  const runs: TimeToAnswerRun[] = [];

  /** One run at the steady rate; returns the invitations' time to answer in the measured window. */
  async function measure(mode: TimeToAnswerRun['mode'], pollerOpsPort: number): Promise<TimeToAnswerRun> {
    await stack.sandbox.reset();
    const missedBefore = await missedTotal(pollerOpsPort);
    await stack.sandbox.startScenario({ ...BENCH_SCENARIO, rate: opts.rate });
    const windowStart = Date.now() + opts.warmupSeconds * 1_000;
    const windowEnd = windowStart + opts.seconds * 1_000;
    await sleep(windowEnd - Date.now());
    await stack.sandbox.stopScenario();
    const sent = (await stack.sandbox.stats()).invitations.sent;
    // Answered, or withdrawn by the originator first (the scenario cancels a few): none left open.
    await waitFor(async () => (await stack.sandbox.stats()).invitations.open === 0, { timeoutMs: 120_000, intervalMs: 100, message: `${mode}: every invitation answered` });
    const answered = new Map<string, number>();
    for (const a of await stack.sandbox.actions()) if (a.outcome === 'ok' && !answered.has(a.invitationId)) answered.set(a.invitationId, Date.parse(a.at));
    const samples = (await stack.sandbox.invitations())
      .map((doc) => ({ readable: Date.parse(doc.sentAt), answered: answered.get(doc._id) }))
      .filter((t): t is { readable: number; answered: number } => t.answered !== undefined && t.readable >= windowStart && t.readable < windowEnd)
      .map((t) => t.answered - t.readable);
    const run: TimeToAnswerRun = { mode, measured: samples.length, timeToAnswerMs: percentiles(samples) };
    if (mode !== 'polling') {
      // Dropped pushes are caught by a reconciliation poll: wait for one past the last invitation.
      await sleep(opts.reconcileIntervalMs + 1_000);
      run.onlyByPollingShare = (await missedTotal(pollerOpsPort)) - missedBefore;
      run.onlyByPollingShare /= Math.max(1, sent);
    }
    return run;
  }

  try {
    await stack.probe.clean();
    await stack.sandbox.setLatency(0);
    started.push(await stack.startProcessor('processor-1'));

    // Polling only.
    let pollerPort = await freePort();
    let poller = await stack.startPoller({ pollIntervalMs: opts.pollIntervalMs, opsPort: pollerPort });
    runs.push(await measure('polling', pollerPort));
    Object.assign(rss, await stopAndMeasure([poller]));

    // Webhooks on: subscribed by set-up, pushed to the receiver, the poller reconciling.
    const receiverPort = await freePort();
    const yaml = parse(readFileSync(opts.firmFile, 'utf8')) as Record<string, unknown>;
    yaml.webhooks = { url: `http://127.0.0.1:${receiverPort}/hooks/lexamica`, port: receiverPort, pollIntervalMs: opts.reconcileIntervalMs };
    const webhookFirmFile = opts.firmFile.replace(/\.yaml$/, '.webhooks.yaml');
    writeFileSync(webhookFirmFile, stringify(yaml));
    const firm = parseFirmConfig(stringify(yaml), webhookFirmFile, firmConfigSchema);
    await applySetup(stack.client, await planSetup(stack.client, firm), { webhookSecret: SECRET });
    const receiver = await stack.startReceiver({ firmFile: webhookFirmFile, secret: SECRET });
    started.push(receiver);
    pollerPort = await freePort();
    poller = await stack.startPoller({ firmFile: webhookFirmFile, opsPort: pollerPort });
    started.push(poller);
    runs.push(await measure('webhooks', pollerPort));

    await stack.sandbox.setWebhookFaults({ drop: 0.1 });
    runs.push(await measure('webhooks-10pct-dropped', pollerPort));
    await stack.sandbox.setWebhookFaults({ drop: 0 });

    Object.assign(rss, await stopAndMeasure(started.splice(0)));
    return { rate: opts.rate, seconds: opts.seconds, pollIntervalMs: opts.pollIntervalMs, reconcileIntervalMs: opts.reconcileIntervalMs, runs, rssMb: rss };
  } finally {
    await stopAndMeasure(started);
  }
}
