/**
 * The CMS side of outbound sync under chaos: posts status updates through the API, spread over the
 * drive phase, each under its own Idempotency-Key and carrying a unique token in its content (how
 * the sandbox's copy is found). Some are posted twice, one after the other or both at once, and
 * some keys are reused with a different body, which must be refused.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient, CaseUpdateRequest } from './api-client.js';
import { seededUnit } from './schedule.js';
import type { PostedUpdate } from './verdict.js';

/** Options of {@link driveOutbound}. */
export interface OutboundDriveOptions {
  api: ApiClient;
  /** Case ids to post on (read from the sandbox as invitations arrive); the latest list is used. */
  caseIds: () => readonly string[];
  seed: number;
  /** Distinguishes this run's tokens and keys. */
  runId: string;
  count: number;
  /** Posts are spread over this many ms from the start. */
  windowMs: number;
  /** No retry goes on past this time (epoch ms). */
  deadline: number;
  /** Share posted again with the same key and body, after a pause (default 0.15). */
  repeatShare?: number;
  /** Share posted twice at the same moment (default 0.07). */
  concurrentShare?: number;
  /** Share whose key is then reused with another body (default 0.03). */
  conflictShare?: number;
}

export async function driveOutbound(o: OutboundDriveOptions): Promise<PostedUpdate[]> {
  const repeatShare = o.repeatShare ?? 0.15;
  const concurrentShare = o.concurrentShare ?? 0.07;
  const conflictShare = o.conflictShare ?? 0.03;
  const started = Date.now();
  const pending: Array<Promise<PostedUpdate>> = [];

  const request = (i: number, caseId: string, token: string): CaseUpdateRequest => ({
    caseId,
    idempotencyKey: `chaos-${o.runId}-${i}`,
    body: { title: `Status update ${i}`, content: `Progress on the case (${token}).`, date: new Date().toISOString() },
  });

  const one = async (i: number, caseId: string): Promise<PostedUpdate> => {
    const token = `chaos:${o.runId}:u${i}`;
    const req = request(i, caseId, token);
    const roll = seededUnit(o.seed, 'outbound', i);
    const posted: PostedUpdate = { idempotencyKey: req.idempotencyKey, token, outcome: { status: undefined, replayed: false, retries: 0 }, repeats: [] };
    if (roll < concurrentShare) {
      const [a, b] = await Promise.all([o.api.postCaseUpdate(req, o.deadline), o.api.postCaseUpdate(req, o.deadline)]);
      posted.outcome = a;
      posted.repeats.push(b);
    } else {
      posted.outcome = await o.api.postCaseUpdate(req, o.deadline);
      if (roll < concurrentShare + repeatShare) {
        await sleep(200 + Math.round(seededUnit(o.seed, 'outbound-pause', i) * 8_000));
        posted.repeats.push(await o.api.postCaseUpdate(req, o.deadline));
      }
    }
    if (roll > 1 - conflictShare && posted.outcome.status === 202) {
      const probeToken = `${token}x`;
      const probe = request(i, caseId, probeToken);
      posted.conflictProbe = { token: probeToken, outcome: await o.api.postCaseUpdate(probe, o.deadline) };
    }
    return posted;
  };

  for (let i = 0; i < o.count; i++) {
    const due = started + Math.round((o.windowMs * i) / Math.max(1, o.count));
    if (due > Date.now()) await sleep(due - Date.now());
    let cases = o.caseIds();
    while (cases.length === 0 && Date.now() < o.deadline) {
      await sleep(250);
      cases = o.caseIds();
    }
    const caseId = cases[Math.floor(seededUnit(o.seed, 'outbound-case', i) * cases.length)];
    if (caseId === undefined) break;
    pending.push(one(i, caseId));
  }
  return Promise.all(pending);
}
