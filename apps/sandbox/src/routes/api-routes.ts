/**
 * Every route of the Lexamica API, at the paths and methods the profile gives, answering in its
 * shapes: mappings and subscriptions (private key), stored events (the profile's key, query names
 * and page limits), invitations (read and answer), case updates and files (public key).
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { HttpError, notFound, parseOr400 } from '../http-error.js';
import { storedEventsPage } from '../misbehaviour/stored-event-pages.js';
import { ANSWERS, type Answer, type KeyName, type RouteName } from '../profile/sandbox-profile.js';
import type { SandboxState } from '../state/sandbox-state.js';
import type { InvitationAction } from '../state/invitation-actions.js';
import { conflictBody, eventRow, invitationBody, listBody, withId } from '../wire/serialize.js';

/** Largest upload accepted (bigger files go through `file/stream`, as the guide says). */
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

/** The action log's names for the firm's answers, whatever the profile's path segments are. */
const ACTION_NAMES: Record<Answer, InvitationAction> = {
  accept: 'accept',
  decline: 'decline',
  evaluate: 'evaluate',
  contactAttempted: 'contact-attempted',
  consultComplete: 'consult-complete',
};

/** A profile path template as a fastify route: `{mappingId}` → `:mappingId`. */
const fastifyPath = (template: string) => template.replace(/\{([^{}]+)\}/g, ':$1');

type Params = Record<string, string>;
type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export async function apiRoutes(app: FastifyInstance, state: SandboxState): Promise<void> {
  const { profile } = state;
  await app.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 100 } });
  const add = (method: string, name: RouteName, key: KeyName, handler: Handler, template = profile.routes[name]) =>
    app.route({ method, url: fastifyPath(template), config: { key }, handler });
  const params = (r: FastifyRequest) => r.params as Params;
  const bare = () => {
    const on = state.misbehaviour.has('bare-lists');
    if (on) state.misbehaviour.count('bare-lists');
    return on;
  };

  // Mappings: the firm's, and any made elsewhere in their own shape.
  add('GET', 'mappings', 'private', async () => {
    const items = [...state.mappings.list().map((m) => withId(profile, m)), ...state.mappings.foreign().map((f) => withId(profile, { ...f.raw, _id: f.id }))];
    return listBody(profile, 'mappings', items, items.length, bare());
  });
  add('POST', 'mappings', 'private', async (req, reply) => reply.code(201).send(withId(profile, state.mappings.create(req.body))));
  add(profile.updateMethods.mapping, 'mapping', 'private', async (req) => withId(profile, state.mappings.replace(params(req).mappingId!, req.body)));
  add('DELETE', 'mapping', 'private', async (req, reply) => {
    state.mappings.remove(params(req).mappingId!, (id) => state.subscriptions.usesMapping(id));
    return reply.code(204).send();
  });

  add('GET', 'subscriptions', 'private', async () => {
    const items = state.subscriptions.list().map((s) => withId(profile, s));
    return listBody(profile, 'subscriptions', items, items.length, bare());
  });
  add('POST', 'subscriptions', 'private', async (req, reply) => reply.code(201).send(withId(profile, state.subscriptions.create(req.body))));
  add(profile.updateMethods.subscription, 'subscription', 'private', async (req) => withId(profile, state.subscriptions.update(params(req).subscriptionId!, req.body)));
  add('DELETE', 'subscription', 'private', async (req, reply) => {
    state.subscriptions.remove(params(req).subscriptionId!);
    return reply.code(204).send();
  });

  // Webhook subscriptions: like the stored-event ones, with the URL to push to; the secret is never read back.
  const hideSecret = (s: { _id: string; secret?: string }) => {
    const { secret: _secret, ...rest } = s;
    return withId(profile, rest);
  };
  add('GET', 'webhookSubscriptions', 'private', async () => {
    const items = state.webhookSubscriptions.list().map(hideSecret);
    return listBody(profile, 'webhookSubscriptions', items, items.length, bare());
  });
  add('POST', 'webhookSubscriptions', 'private', async (req, reply) => reply.code(201).send(hideSecret(state.webhookSubscriptions.create(req.body))));
  add(profile.updateMethods.subscription, 'webhookSubscription', 'private', async (req) => hideSecret(state.webhookSubscriptions.update(params(req).subscriptionId!, req.body)));
  add('DELETE', 'webhookSubscription', 'private', async (req, reply) => {
    state.webhookSubscriptions.remove(params(req).subscriptionId!);
    return reply.code(204).send();
  });

  const q = profile.params;
  const wholeNumber = (min: number, max: number) =>
    z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
  const when = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional();
  const querySchema = z.object({
    [q.event]: z.string().min(1, 'must not be empty').optional(),
    [q.from]: when,
    [q.to]: when,
    [q.limit]: wholeNumber(1, profile.paging.maxLimit).default(profile.paging.defaultLimit),
    [q.skip]: wholeNumber(0, Number.MAX_SAFE_INTEGER).default(0),
  });
  add('GET', 'storedEvents', profile.keys.storedEvents, async (req) => {
    const query = parseOr400(querySchema, req.query) as Record<string, string | number | undefined>;
    state.applyRetention();
    const from = query[q.from] === undefined ? undefined : Date.parse(query[q.from] as string);
    const page = storedEventsPage(state, {
      ...(query[q.event] === undefined ? {} : { event: query[q.event] as string }),
      ...(from === undefined ? {} : { fromMs: from }),
      ...(query[q.to] === undefined ? {} : { toMs: Date.parse(query[q.to] as string) }),
      limit: query[q.limit] as number,
      skip: query[q.skip] as number,
    });
    return listBody(profile, 'storedEvents', page.data.map((e) => eventRow(profile, e)), page.total, bare());
  });

  add('GET', 'invitation', profile.keys.invitationRead, async (req) => {
    const id = params(req).invitationId!;
    const record = state.invitations.get(id);
    if (!record) throw notFound('invitation', id);
    state.invitations.expireIfDue(record);
    const stale = state.misbehaviour.has('stale-read-back') && record.previousStatus !== undefined;
    if (stale) state.misbehaviour.count('stale-read-back');
    return invitationBody(profile, record.doc, stale ? record.previousStatus : record.doc.status);
  });
  // One route per action: the profile's segment is written into the path, so it may hold any text.
  for (const answer of ANSWERS) {
    const template = profile.routes.invitationAction.replace('{action}', profile.answers[answer]);
    add('POST', 'invitationAction', 'public', async (req) => {
      const p = params(req);
      try {
        return invitationBody(profile, state.act({ mappingId: p.mappingId ?? '', invitationId: p.invitationId!, action: ACTION_NAMES[answer], body: req.body }));
      } catch (err) {
        if (err instanceof HttpError && err.code === 'invitation_not_open') throw new HttpError(409, err.code, err.message, {}, conflictBody(profile, String(err.extra.status), err.message));
        throw err;
      }
    }, template);
  }

  add('POST', 'caseUpdate', 'public', async (req, reply) => reply.code(201).send({ [profile.rows.id]: state.caseUpdates.receive(params(req).mappingId ?? '', req.body)._id }));

  const summary = (f: { _id: string; filename: string; contentType?: string; size?: number; url?: string; removedAt?: string }) =>
    withId(profile, {
      _id: f._id,
      filename: f.filename,
      ...(f.contentType === undefined ? {} : { contentType: f.contentType }),
      ...(f.size === undefined ? {} : { size: f.size }),
      ...(f.url === undefined ? {} : { url: f.url }),
      ...(f.removedAt === undefined ? {} : { removedAt: f.removedAt }),
    });
  add('POST', 'fileUpload', 'public', async (req, reply) => {
    if (!req.isMultipart()) throw new HttpError(400, 'invalid_request', 'the upload must be multipart/form-data');
    const fields: Record<string, unknown> = {};
    let file: { filename: string; contentType: string; data: Buffer } | undefined;
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        const data = await part.toBuffer();
        if (part.fieldname === profile.uploadField) file = { filename: part.filename, contentType: part.mimetype, data };
      } else fields[part.fieldname] = part.value;
    }
    if (!file) throw new HttpError(400, 'invalid_request', `${profile.uploadField}: a file part is required`);
    return reply.code(201).send(summary(state.files.upload(params(req).mappingId ?? '', { ...file, fields })));
  });
  add('POST', 'fileStream', 'public', async (req, reply) => reply.code(201).send(summary(state.files.stream(params(req).mappingId ?? '', req.body))));
  add('POST', 'fileRemove', 'public', async (req) => summary(state.files.remove(params(req).mappingId ?? '', req.body)));
}

/** Holds every API answer `slowMs` while `slow-answers` is on (registered before the routes). */
export function slowAnswersHook(state: SandboxState) {
  return async (): Promise<void> => {
    if (!state.misbehaviour.has('slow-answers')) return;
    state.misbehaviour.count('slow-answers');
    await sleep(state.misbehaviour.config.slowMs);
  };
}
