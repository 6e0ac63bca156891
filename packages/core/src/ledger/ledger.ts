/**
 * The invitation ledger in Redis: one JSON string per invitation, plus one sorted set per state and
 * one over all invitations, each scored by expiry, for listing. Every change is a compare-and-set
 * (Lua, loaded once and run by `EVALSHA`): the new record is written only if the stored one still
 * has the `version` the change was computed from, and the indexes move in the same script. Guards on
 * the current state therefore hold across processor replicas: of two concurrent `beginAct` calls,
 * exactly one wins. A change may announce itself: its CMS feed item is appended by the same script
 * (a transactional outbox), so the feed never misses nor runs ahead of the ledger.
 */
import type { Keyspace, RedisClient } from '@lexbridge/infra/redis';
import { FEED_APPEND_LUA, type FeedItem, type FeedOutbox } from '../feed/index.js';
import { describeDecision } from '../rules/index.js';
import { caseIndexKey, caseLinkScore } from './case-index.js';
import { ledgerKeys } from './keys.js';
import {
  isWatched,
  LEDGER_STATES,
  LedgerNotFoundError,
  LedgerTransitionError,
  type LedgerDecision,
  type LedgerRecord,
  type LedgerState,
  type ReceiveInput,
  type Transition,
} from './record.js';

// KEYS: record, state index, all-by-expiry index, since index of the state; then the case index
// when ARGV[4] is set; then the feed's dedupe key and stream when ARGV[7] is set.
// ARGV: record JSON, id, expiry score, case link score or '', feed ttl, feed maxlen, item JSON or '',
// entered-state score ('' for a state the watchdog does not watch).
// The case link is written on every call (it repairs a record linked by an older version); the
// item only with a new record.
const CREATE = `${FEED_APPEND_LUA}
local k = 5
if ARGV[4] ~= '' then
  redis.call('ZADD', KEYS[k], ARGV[4], ARGV[2])
  k = k + 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
  if ARGV[8] ~= '' then redis.call('ZADD', KEYS[4], ARGV[8], ARGV[2]) end
  if ARGV[7] ~= '' then feed_append(KEYS[k], KEYS[k + 1], ARGV[5], ARGV[6], ARGV[7]) end
  return false
end
return redis.call('GET', KEYS[1])
`;

// KEYS: record, old state index, new state index, all-by-expiry index, old since index, new since
// index[, feed dedupe key, feed stream].
// ARGV: expected version, new JSON, id, expiry score, '1' when the expiry changed, entered-state
// score ('' for a state the watchdog does not watch)[, feed ttl, feed maxlen, item JSON]. Records
// written before versions existed have none: they count as version 0. A record that stays in its
// state keeps the time it entered it.
const COMPARE_AND_SET = `${FEED_APPEND_LUA}
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
if (cjson.decode(cur).version or 0) ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if KEYS[2] ~= KEYS[3] then
  redis.call('ZREM', KEYS[2], ARGV[3])
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
  redis.call('ZREM', KEYS[5], ARGV[3])
  if ARGV[6] ~= '' then redis.call('ZADD', KEYS[6], ARGV[6], ARGV[3]) end
elseif ARGV[5] == '1' then
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
end
if ARGV[5] == '1' then redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3]) end
if #KEYS == 8 then feed_append(KEYS[7], KEYS[8], ARGV[7], ARGV[8], ARGV[9]) end
return 1
`;

type ScriptArg = string | number;

/**
 * The ledger's scripts as ioredis commands: sent once, then run by SHA (NOSCRIPT reloads them). The
 * number of keys comes first: the case link and the feed item are optional.
 */
interface LedgerCommands {
  lexbridgeLedgerCreate(numKeys: number, ...keysThenArgs: ScriptArg[]): Promise<string | null>;
  lexbridgeLedgerCas(numKeys: number, ...keysThenArgs: ScriptArg[]): Promise<number>;
}

function ledgerCommands(redis: RedisClient): LedgerCommands {
  const r = redis as RedisClient & Partial<LedgerCommands>;
  if (!r.lexbridgeLedgerCas) {
    redis.defineCommand('lexbridgeLedgerCreate', { lua: CREATE });
    redis.defineCommand('lexbridgeLedgerCas', { lua: COMPARE_AND_SET });
  }
  return redis as unknown as LedgerCommands;
}

/** Filters for {@link Ledger.list}. */
export interface LedgerListFilter {
  state?: LedgerState;
  /** Only invitations expiring strictly before this time. */
  expiringBefore?: Date;
  caseType?: string;
  /** Page size, 1..500 (default 50). */
  limit?: number;
  /** `next` of the previous page. */
  cursor?: string;
}

/** A manual decision made through the API. */
export interface ManualDecision {
  action: 'accept' | 'decline' | 'evaluate';
  /** Required for a decline. */
  reason?: string;
  /** The API identity that made it. */
  by?: string;
  /** The person a `cms` identity relays the decision for. */
  onBehalfOf?: string;
}

/** A `cursor` that {@link Ledger.list} did not issue. */
export class LedgerCursorError extends Error {
  override readonly name = 'LedgerCursorError';
  constructor() {
    super('cursor is not one this listing issued');
  }
}

export interface Ledger {
  get(invitationId: string): Promise<LedgerRecord | undefined>;
  /** Invitations ordered by expiry (soonest first), filtered; `next` is null on the last page. */
  list(f: LedgerListFilter): Promise<{ items: LedgerRecord[]; next: string | null }>;
  /**
   * Records an invitation once. A second call for the same id changes nothing and returns the
   * stored record with `created: false` (a re-delivered event). With `then`, a new record is
   * created already moved on through each step (history `received`, then each step's `to`), in the
   * same single script: receive and decide in one round trip when the decision needs nothing from
   * Redis, and claim its action too ({@link BEGIN_ACT}): only the caller that created the record
   * holds that claim, as only one `beginAct` wins. `announce` builds the feed item that reports a
   * new record (from the record as created), appended by the same script; the `announce` of the
   * steps is not used. With `input.sentAt` and `input.caseId`, the script links the case too.
   */
  receive(
    input: ReceiveInput,
    then?: Omit<Transition, 'from'> | ReadonlyArray<Omit<Transition, 'from'>>,
    opts?: { announce?: (record: LedgerRecord) => FeedItem },
  ): Promise<{ record: LedgerRecord; created: boolean }>;
  /**
   * A guarded change: throws {@link LedgerTransitionError} when the state is not in `t.from`.
   * `known` is the record as the caller last read or wrote it: the change is then tried against it
   * without reading the record first (one round trip), and re-read only if it changed underneath.
   */
  transition(invitationId: string, t: Transition, known?: LedgerRecord): Promise<LedgerRecord>;
  /**
   * A change computed from the current record; `plan` returning undefined changes nothing (the
   * record is returned as it is). Retried when the record changed underneath. `known`: as for
   * {@link Ledger.transition}.
   */
  update(invitationId: string, plan: (r: LedgerRecord) => Transition | undefined, known?: LedgerRecord): Promise<LedgerRecord>;
  /** received → decided | manual | shadow (or expired/closed when Lexamica says so). */
  decide(invitationId: string, decision: LedgerDecision, to: LedgerState, known?: LedgerRecord): Promise<LedgerRecord>;
  /**
   * A manual decision from the API: only from `manual` or `shadow`, atomically to `decided`.
   * Past the invitation's expiry the record moves to `expired` and this throws
   * {@link LedgerTransitionError} with state `expired`. The caller then enqueues `invitation.act`
   * with job id `actJobId(record)`.
   */
  decideManually(invitationId: string, d: ManualDecision): Promise<LedgerRecord>;
  /** decided → acting, counting an attempt: the one place an action is claimed. */
  beginAct(invitationId: string, known?: LedgerRecord): Promise<LedgerRecord>;
  /** acting | failed → acting after a read-back found the invitation still open. */
  resumeAct(invitationId: string, note: string, known?: LedgerRecord): Promise<LedgerRecord>;
  /**
   * acting (or failed, on a replay that read Lexamica back) → the outcome: done, manual after an
   * evaluation, conflict, expired, closed, failed. `announce`: as in {@link Transition}.
   */
  finishAct(
    invitationId: string,
    to: LedgerState,
    extra?: { lexamicaStatus?: string; lastError?: string; note?: string; expires?: string },
    known?: LedgerRecord,
    announce?: Transition['announce'],
  ): Promise<LedgerRecord>;
  /** acting → decided: the action was refused before it could take effect (429), so it may be sent again. */
  abortAct(invitationId: string, note: string, known?: LedgerRecord): Promise<LedgerRecord>;
  /** How many invitations are in each state. */
  counts(): Promise<Record<LedgerState, number>>;
}

/** Options for {@link createLedger}. */
export interface LedgerOptions {
  /** Clock (default `() => new Date()`). */
  now?: () => Date;
  /** Retries of a compare-and-set that lost a race (default 20). */
  maxCasRetries?: number;
  /** The feed that `announce` items go to (`Feed.outbox`); without one, a change that announces is refused. */
  feed?: FeedOutbox;
}

export function createLedger(redis: RedisClient, keyspace: Keyspace, opts: LedgerOptions = {}): Ledger {
  const now = opts.now ?? (() => new Date());
  const maxCasRetries = opts.maxCasRetries ?? 20;
  const keys = ledgerKeys(keyspace);
  const recordKey = keys.record;
  const stateKey = keys.state;
  const allKey = keys.all;
  // When a record entered its state, for the watchdog; only the states it watches are kept.
  const enteredScore = (r: LedgerRecord) => (isWatched(r.state) ? Date.parse(r.updatedAt) : '');

  const parse = (json: string): LedgerRecord => JSON.parse(json) as LedgerRecord;
  const scripts = ledgerCommands(redis);

  async function get(invitationId: string): Promise<LedgerRecord | undefined> {
    const json = await redis.get(recordKey(invitationId));
    return json === null ? undefined : parse(json);
  }

  /** The keys and arguments that append `item` in a ledger script. */
  function outboxAppend(item: FeedItem) {
    if (!opts.feed) throw new Error(`ledger created without a feed cannot announce ${item.id}`);
    return opts.feed.append(item);
  }

  async function receive(input: ReceiveInput, then?: Omit<Transition, 'from'> | ReadonlyArray<Omit<Transition, 'from'>>, o: { announce?: (record: LedgerRecord) => FeedItem } = {}) {
    const at = now().toISOString();
    const state = input.state ?? 'received';
    const received: LedgerRecord = {
      invitationId: input.invitationId,
      state,
      eventId: input.eventId,
      ...(input.mappingId !== undefined && { mappingId: input.mappingId }),
      ...(input.caseId !== undefined && { caseId: input.caseId }),
      ...(input.caseType !== undefined && { caseType: input.caseType }),
      expires: input.expires,
      ...(input.lexamicaStatus !== undefined && { lexamicaStatus: input.lexamicaStatus }),
      attempts: 0,
      version: 0,
      createdAt: at,
      updatedAt: at,
      history: [{ at, state, ...(input.note !== undefined && { note: input.note }) }],
    };
    const steps = then === undefined ? [] : Array.isArray(then) ? then : [then as Omit<Transition, 'from'>];
    const record = steps.reduce((r: LedgerRecord, step) => applyTransition(r, { ...step, from: [r.state] }, at), received);
    const scriptKeys = [recordKey(input.invitationId), stateKey(record.state), allKey, keys.since(record.state)];
    const args: ScriptArg[] = [JSON.stringify(record), input.invitationId, expiryScore(record.expires), '', '', '', '', enteredScore(record)];
    if (input.caseId !== undefined && input.sentAt !== undefined) {
      scriptKeys.push(caseIndexKey(keyspace, input.caseId));
      args[3] = caseLinkScore(input.sentAt);
    }
    if (o.announce) {
      const item = outboxAppend(o.announce(record));
      scriptKeys.push(...item.keys);
      args.splice(4, 3, ...item.args);
    }
    const existing = await scripts.lexbridgeLedgerCreate(scriptKeys.length, ...scriptKeys, ...args);
    return existing === null ? { record, created: true } : { record: parse(existing), created: false };
  }

  /** Writes `t` applied to `current` if the stored record is still `current`; undefined if it moved on. */
  async function tryApply(current: LedgerRecord, t: Transition): Promise<LedgerRecord | undefined> {
    if (!t.from.includes(current.state)) throw new LedgerTransitionError(current.invitationId, current.state, t.to);
    const next = applyTransition(current, t, now().toISOString());
    const scriptKeys = [recordKey(current.invitationId), stateKey(current.state), stateKey(next.state), allKey, keys.since(current.state), keys.since(next.state)];
    const args: ScriptArg[] = [current.version ?? 0, JSON.stringify(next), current.invitationId, expiryScore(next.expires), next.expires === current.expires ? '0' : '1', enteredScore(next)];
    if (t.announce) {
      const item = outboxAppend(t.announce(next));
      scriptKeys.push(...item.keys);
      args.push(...item.args);
    }
    const ok = await scripts.lexbridgeLedgerCas(scriptKeys.length, ...scriptKeys, ...args);
    return ok === 1 ? next : undefined;
  }

  async function update(invitationId: string, plan: (r: LedgerRecord) => Transition | undefined, known?: LedgerRecord): Promise<LedgerRecord> {
    if (known && known.invitationId === invitationId) {
      const t = plan(known);
      // A plan that changes nothing, or refuses, is decided on the stored record, not on a copy.
      if (t && t.from.includes(known.state)) {
        const next = await tryApply(known, t);
        if (next) return next;
      }
    }
    for (let i = 0; i <= maxCasRetries; i++) {
      const current = await get(invitationId);
      if (!current) throw new LedgerNotFoundError(invitationId);
      const t = plan(current);
      if (!t) return current;
      const next = await tryApply(current, t);
      if (next) return next;
    }
    throw new Error(`ledger record ${invitationId} kept changing; gave up after ${maxCasRetries} retries`);
  }

  const transition = (invitationId: string, t: Transition, known?: LedgerRecord) => update(invitationId, () => t, known);

  return {
    get,
    receive,
    update,
    transition,
    list: (f) => list(redis, f, f.state ? stateKey(f.state) : allKey, recordKey),

    decide: (invitationId, decision, to, known) => transition(invitationId, decisionTransition(decision, to), known),

    async decideManually(invitationId, d) {
      if (d.action === 'decline' && !d.reason?.trim()) throw new RangeError('a decline needs a reason');
      let expired = false;
      const record = await update(invitationId, (cur) => {
        expired = false;
        const at = now();
        if (at.getTime() >= Date.parse(cur.expires) && (cur.state === 'manual' || cur.state === 'shadow')) {
          expired = true;
          return { from: ['manual', 'shadow'], to: 'expired', note: 'manual decision arrived after expiry' };
        }
        const decision: LedgerDecision = {
          action: d.action,
          ...(d.reason !== undefined && { reason: d.reason }),
          rule: null,
          trace: [],
          source: 'manual',
          decidedAt: at.toISOString(),
          ...(d.by !== undefined && { by: d.by }),
          ...(d.onBehalfOf !== undefined && { onBehalfOf: d.onBehalfOf }),
        };
        return { from: ['manual', 'shadow'], to: 'decided', patch: { decision }, note: describe(decision) };
      });
      if (expired) throw new LedgerTransitionError(invitationId, 'expired', 'decided');
      return record;
    },

    beginAct: (invitationId, known) => transition(invitationId, BEGIN_ACT, known),

    resumeAct: (invitationId, note, known) => transition(invitationId, { from: ['acting', 'failed'], to: 'acting', countAttempt: true, note }, known),

    finishAct: (invitationId, to, extra = {}, known, announce) =>
      transition(
        invitationId,
        {
          from: ['acting', 'failed'],
          to,
          patch: {
            ...(extra.lexamicaStatus !== undefined && { lexamicaStatus: extra.lexamicaStatus }),
            ...(extra.lastError !== undefined && { lastError: extra.lastError }),
            ...(extra.expires !== undefined && { expires: extra.expires }),
          },
          ...(extra.note !== undefined && { note: extra.note }),
          ...(announce && { announce }),
        },
        known,
      ),

    abortAct: (invitationId, note, known) => transition(invitationId, { from: ['acting'], to: 'decided', note }, known),

    async counts() {
      const pipeline = redis.pipeline();
      for (const s of LEDGER_STATES) pipeline.zcard(stateKey(s));
      const replies = (await pipeline.exec()) ?? [];
      return Object.fromEntries(LEDGER_STATES.map((s, i) => [s, Number(replies[i]?.[1] ?? 0)])) as Record<LedgerState, number>;
    },
  };
}

/** decided → acting, counting an attempt: claims the action (`Ledger.beginAct`, or the last step of `receive`'s `then`). */
export const BEGIN_ACT: Transition = { from: ['decided'], to: 'acting', countAttempt: true, note: 'sending the action' };

/** The transition that records a decision on a `received` invitation (`Ledger.decide`, or `receive`'s `then`). */
export function decisionTransition(decision: LedgerDecision, to: LedgerState): Transition {
  return { from: ['received'], to, patch: { decision }, note: describe(decision) };
}

function applyTransition(r: LedgerRecord, t: Omit<Transition, 'announce'>, at: string): LedgerRecord {
  return {
    ...r,
    ...t.patch,
    state: t.to,
    attempts: r.attempts + (t.countAttempt ? 1 : 0),
    version: (r.version ?? 0) + 1,
    updatedAt: at,
    history: [...r.history, { at, state: t.to, ...(t.note !== undefined && { note: t.note }) }],
  };
}

function describe(d: LedgerDecision): string {
  const who = d.by ? ` (${d.by}${d.onBehalfOf ? ` for ${d.onBehalfOf}` : ''})` : '';
  return d.source === 'rules' ? describeDecision(d) : `${d.action} by ${d.source}${who}${d.reason ? `: ${d.reason}` : ''}`;
}

function expiryScore(expires: string): number {
  const ms = Date.parse(expires);
  return Number.isFinite(ms) ? ms : 0;
}

// The cursor is the (score, member) of the last item returned: the next page starts after it, so
// paging is stable while other invitations are added or change state.
interface Cursor {
  score: number;
  member: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.score, c.member])).toString('base64url');
}

function decodeCursor(s: string): Cursor {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return { score: v[0], member: v[1] };
  } catch {
    // Falls through to the error below.
  }
  throw new LedgerCursorError();
}

/** Redis orders members of equal score by their bytes; compare the same way. */
function afterCursor(score: number, member: string, c: Cursor | undefined): boolean {
  if (!c) return true;
  if (score !== c.score) return score > c.score;
  return Buffer.compare(Buffer.from(member), Buffer.from(c.member)) > 0;
}

async function list(
  redis: RedisClient,
  f: LedgerListFilter,
  index: string,
  recordKey: (id: string) => string,
): Promise<{ items: LedgerRecord[]; next: string | null }> {
  const limit = Math.min(Math.max(Math.trunc(f.limit ?? 50), 1), 500);
  const cursor = f.cursor ? decodeCursor(f.cursor) : undefined;
  const max = f.expiringBefore ? `(${f.expiringBefore.getTime()}` : '+inf';
  const min = cursor ? String(cursor.score) : '-inf';
  const batch = Math.max(limit * 2, 100);
  const found: Array<{ record: LedgerRecord; score: number }> = [];
  for (let offset = 0; found.length <= limit; offset += batch) {
    const flat = await redis.zrangebyscore(index, min, max, 'WITHSCORES', 'LIMIT', offset, batch);
    const pairs: Array<[string, number]> = [];
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, Number(flat[i + 1])]);
    const candidates = pairs.filter(([m, s]) => afterCursor(s, m, cursor));
    const jsons = candidates.length ? await redis.mget(...candidates.map(([m]) => recordKey(m))) : [];
    jsons.forEach((json, i) => {
      const record = json === null ? undefined : (JSON.parse(json) as LedgerRecord);
      // The index and the record are written together, but the record may have moved on since
      // the index was read: filter on the record itself.
      if (!record || (f.state && record.state !== f.state) || (f.caseType !== undefined && record.caseType !== f.caseType)) return;
      found.push({ record, score: candidates[i]![1] });
    });
    if (flat.length < batch * 2) break;
  }
  const page = found.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((p) => p.record),
    next: found.length > limit && last ? encodeCursor({ score: last.score, member: last.record.invitationId }) : null,
  };
}
