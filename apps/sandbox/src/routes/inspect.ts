/**
 * Inspection and control under `/__sandbox/*`: not part of the Lexamica profile, never behind a
 * key or a fault. Tests, the demo and benchmarks drive the originator side and read counts here.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HttpError, invalidRequest, notFound, parseOr400, requireObject } from '../http-error.js';
import { scenarioOptionsSchema } from '../scenario/scenario-options.js';
import type { ScenarioController } from '../scenario/scenario-controller.js';
import type { SandboxState } from '../state/sandbox-state.js';

const invitationBody = z.object({ invitationId: z.string({ error: 'is required' }).min(1, 'is required') });
const generateBody = z.object({
  count: z.number().int().min(1).max(100_000).default(1),
  /** Give them all one createdAt. */
  sameTimestamp: z.boolean().default(false),
});

export function inspectRoutes(app: FastifyInstance, state: SandboxState, scenario: ScenarioController): void {
  const scenarioBody = (body: unknown) => {
    const input = requireObject(body);
    // Validate the merged options here so a bad field is a 400 naming it, not a 500.
    parseOr400(scenarioOptionsSchema, { ...scenario.options, ...input });
    return input;
  };
  const scenarioView = () => ({ running: scenario.running, options: scenario.options });

  app.post('/__sandbox/scenario/start', async (request) => {
    scenario.start(scenarioBody(request.body));
    return scenarioView();
  });
  app.post('/__sandbox/scenario/stop', async () => {
    scenario.stop();
    return scenarioView();
  });
  app.post('/__sandbox/scenario/reset', async (request) => {
    scenario.reset(scenarioBody(request.body));
    return scenarioView();
  });
  app.post('/__sandbox/sweep', async () => ({ expired: scenario.sweep() }));

  app.post('/__sandbox/invitations', async (request, reply) => {
    const { count, sameTimestamp } = parseOr400(generateBody, request.body ?? {});
    const records = scenario.generate(count, sameTimestamp ? state.now() : undefined);
    return reply.code(201).send({ data: records.map((r) => r.doc), total: records.length });
  });
  app.get('/__sandbox/invitations', async () => {
    const data = state.invitations.list().map((r) => r.doc);
    return { data, total: data.length };
  });
  app.get<{ Params: { id: string } }>('/__sandbox/invitations/:id', async (request) => {
    const record = state.invitations.get(request.params.id);
    if (!record) throw notFound('invitation', request.params.id);
    return record.doc;
  });
  app.get('/__sandbox/actions', async () => ({ data: state.actions, total: state.actions.length }));
  app.get('/__sandbox/case-updates', async () => ({ data: state.caseUpdates.list(), total: state.caseUpdates.list().length }));
  app.get('/__sandbox/files', async () => ({ data: state.files.list(), total: state.files.list().length }));
  app.get('/__sandbox/stats', async () => state.stats());

  app.get('/__sandbox/faults', async () => ({ config: state.faults.config, injected: state.faults.counts() }));
  app.post('/__sandbox/faults', async (request) => {
    const result = state.faults.update(request.body ?? {});
    if (!result.success) throw invalidRequest(result.error);
    return { config: state.faults.config, injected: state.faults.counts() };
  });

  // Webhook pushes: faults, counts, and the events no push delivered (for polling to catch).
  const webhookView = () => ({ config: state.webhooks.config, stats: state.webhooks.stats(), undelivered: state.webhooks.undelivered() });
  app.get('/__sandbox/webhooks', async () => webhookView());
  app.post('/__sandbox/webhooks', async (request) => {
    const result = state.webhooks.update(request.body ?? {});
    if (!result.success) throw invalidRequest(result.error);
    return webhookView();
  });

  app.post('/__sandbox/originator/case-update', async (request, reply) => {
    const { invitationId } = parseOr400(invitationBody, request.body);
    return reply.code(201).send(state.caseUpdates.postFromOriginator(invitationId));
  });
  const originatorTransition = (name: 'cancel' | 'close' | 'stop-relay', run: (id: string) => boolean) =>
    app.post(`/__sandbox/originator/${name}`, async (request) => {
      const { invitationId } = parseOr400(invitationBody, request.body);
      const record = state.invitations.get(invitationId);
      if (!record) throw notFound('invitation', invitationId);
      if (!run(invitationId)) throw new HttpError(409, 'invalid_transition', `cannot ${name} invitation ${invitationId}: it is ${record.doc.status}`, { status: record.doc.status });
      return record.doc;
    });
  originatorTransition('cancel', (id) => state.invitations.cancel(id));
  originatorTransition('close', (id) => state.invitations.close(id));
  originatorTransition('stop-relay', (id) => state.invitations.stopRelay(id));

  // The originator's and the platform's other doings on a case, each stored as its event.
  const caseBody = invitationBody.extend({
    description: z.string().min(1).optional(),
    stage: z.string().min(1).optional(),
    amount: z.number().positive().optional(),
    fields: z.array(z.string().min(1)).min(1).optional(),
    note: z.string().optional(),
  });
  app.post('/__sandbox/originator/edit', async (request) => {
    const b = parseOr400(caseBody, request.body);
    return state.cases.edit(b.invitationId, b.description ?? 'Updated by the referring firm: client now reports ongoing treatment.').doc;
  });
  app.post('/__sandbox/originator/stage', async (request) => {
    const b = parseOr400(caseBody, request.body);
    return state.cases.changeStage(b.invitationId, b.stage ?? 'Litigation').doc;
  });
  app.post('/__sandbox/originator/delete', async (request) => state.cases.remove(parseOr400(caseBody, request.body).invitationId).doc);
  app.post('/__sandbox/originator/settle', async (request) => {
    const b = parseOr400(caseBody, request.body);
    return state.cases.settle(b.invitationId, b.amount ?? 85_000).doc;
  });
  app.post('/__sandbox/lexamica/missing-info', async (request) => {
    const b = parseOr400(caseBody, request.body);
    return state.cases.missingInfo(b.invitationId, b.fields ?? ['referral.client.phone'], b.note ?? 'Please confirm the client phone number').doc;
  });

  app.get('/__sandbox/profile', async () => state.profile);
  app.get('/__sandbox/misbehaviour', async () => ({ config: state.misbehaviour.config, applied: state.misbehaviour.counts }));
  app.post('/__sandbox/misbehaviour', async (request) => {
    const result = state.misbehaviour.set(request.body ?? {});
    if (!result.success) throw invalidRequest(result.error);
    return { config: state.misbehaviour.config, applied: state.misbehaviour.counts };
  });
  // A mapping made on the account by someone else (Lexamica's own UI), in a shape Lexbridge did not create.
  app.post('/__sandbox/mappings/foreign', async (request, reply) => reply.code(201).send({ id: state.mappings.addForeign(requireObject(request.body)) }));
}
