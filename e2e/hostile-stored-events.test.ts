/**
 * A malformed stored event from the sandbox itself, with no change to the sandbox: the invitation
 * mapping on Lexamica drifts from the one in the firm's YAML (someone renamed a field there), so the
 * payloads it stores can no longer be read. The envelope is fine, so the poller enqueues them; the
 * processor must park each one at once in the failed set with a reason that names the field (and no
 * personal data), send nothing for it, and go on answering the invitations that do read.
 * (A malformed envelope is quarantined by the poller: e2e/poller.test.ts, with a scripted server.)
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPollerService } from '@lexbridge/poller';
import { createProcessorService, processorFirmConfigSchema } from '@lexbridge/processor';
import { parseFirmConfig, personalDataPolicy } from '@lexbridge/core/firm-config';
import { createLogger } from '@lexbridge/infra/logger';
import { createKeyspace, createRedis } from '@lexbridge/infra/redis';
import { deleteKeys, redisUrl, uniquePrefix, waitFor } from '@lexbridge/testkit';
import { EXAMPLE_CONFIG, startSandbox, type RunningSandbox, FAST_POLLER_TIMING } from './harness.js';

const logger = createLogger({ name: 'e2e-hostile-events', level: 'silent' });
const SETTLED = ['done', 'manual', 'expired', 'closed', 'conflict'];

describe('a stored event whose payload no longer reads through the firm mapping', () => {
  let env: RunningSandbox;
  const prefix = uniquePrefix('e2e-drift');
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    env = await startSandbox();
  });
  afterAll(async () => {
    while (closers.length) await closers.pop()!();
    const r = createRedis(redisUrl(), 'worker');
    await deleteKeys(r, prefix);
    r.disconnect();
    await env.close();
  });

  it('is parked at once in the failed set with the field named, nothing is sent for it, and the rest are answered', async () => {
    const firm = parseFirmConfig(readFileSync(EXAMPLE_CONFIG, 'utf8').replace(/^shadow: true$/m, 'shadow: false'), 'example.yaml', processorFirmConfigSchema);
    const mappingId = env.mappingIds['invitation']!;
    const declared = firm.mappings.invitation;
    // On Lexamica, the expiry now goes out under another name than the YAML declares.
    const drifted = declared.fields.map((f) => (f.lexamica === 'expires' ? { ...f, external: 'expiry_deadline' } : f));
    await env.client.mappings.update(mappingId, { name: declared.name, model: declared.model, fields: drifted });
    const unreadable = env.sandbox.scenario.generate(4).map((r) => r.doc);
    await env.client.mappings.update(mappingId, { name: declared.name, model: declared.model, fields: declared.fields });
    const readable = env.sandbox.scenario.generate(4).map((r) => r.doc);

    const pollerRedis = createRedis(redisUrl(), 'worker');
    const poller = createPollerService({
      client: env.client,
      redis: pollerRedis,
      redisPrefix: prefix,
      logger,
      timing: FAST_POLLER_TIMING,
      personalData: personalDataPolicy(env.firm),
    });
    poller.start();
    closers.push(async () => {
      await poller.close();
      pollerRedis.disconnect();
    });
    const processorRedis = createRedis(redisUrl(), 'worker');
    const processor = createProcessorService({ redis: processorRedis, keyspace: createKeyspace(prefix), client: env.client, firm, logger, expirySafetyMs: 300 });
    closers.push(async () => {
      await processor.close();
      processorRedis.disconnect();
    });
    await processor.start();

    const invitations = processor.queues.get('invitations');
    const failed = await waitFor(async () => {
      const jobs = await invitations.getFailed();
      return jobs.length === unreadable.length ? jobs : undefined;
    }, { timeoutMs: 30_000, message: 'the unreadable invitations in the failed set' });
    for (const job of failed) {
      expect(job.attemptsMade, 'failed at once, not retried').toBe(1);
      expect(job.failedReason).toMatch(/expires \(firm field "expires_at"\): missing/);
      const doc = unreadable.find((d) => job.data.payload.invitation_id === d._id);
      expect(doc, 'each failed job is one of the drifted invitations').toBeDefined();
      const client = doc!.referral.client;
      for (const personal of [client.firstName, client.lastName, client.email, client.phone]) expect(job.failedReason).not.toContain(personal);
    }

    const records = await waitFor(async () => {
      const rs = await Promise.all(readable.map((d) => processor.ledger.get(d._id)));
      return rs.every((r) => r && SETTLED.includes(r.state)) ? rs : undefined;
    }, { timeoutMs: 30_000, message: 'the readable invitations settled' });
    expect(records).toHaveLength(readable.length);
    const actedOn = new Set(env.sandbox.state.actions.map((a) => a.invitationId));
    for (const d of unreadable) {
      expect(actedOn.has(d._id), `nothing sent for ${d._id}`).toBe(false);
      expect(await processor.ledger.get(d._id)).toBeUndefined();
    }
  });
});
