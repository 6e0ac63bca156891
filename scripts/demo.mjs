#!/usr/bin/env node
// The demo: a local Lexamica (the sandbox) sending invitations, and Lexbridge's poller, processor
// and API answering them, with a live, readable account in this terminal. Ctrl-C stops it all.
//
// Environment (all optional): REDIS_URL (default redis://127.0.0.1:6379), DEMO_API_PORT (3000),
// DEMO_SANDBOX_PORT (4010), DEMO_RATE (invitations per second, 0.5), DEMO_EXIT_AFTER_MS (stop by
// itself, for smoke tests). Service logs go to .demo/logs/.
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const REDIS_URL = env.REDIS_URL || 'redis://127.0.0.1:6379';
// Printed without its password: the services' one masking function, straight from its source.
const { maskUrlCredentials } = await tsImport('../packages/infra/src/redact/index.ts', import.meta.url);
const REDIS_SHOWN = maskUrlCredentials(REDIS_URL);
const API_PORT = Number(env.DEMO_API_PORT || 3000);
const SANDBOX_PORT = Number(env.DEMO_SANDBOX_PORT || 4010);
const RATE = Number(env.DEMO_RATE || 0.5);
const EXIT_AFTER = Number(env.DEMO_EXIT_AFTER_MS || 0);
// The tokens of the example YAML's identities (api.identities holds only their SHA-256).
const TOKENS = { cms: 'demo-cms-token-0123456789abcdef', intake: 'demo-intake-token-0123456789abcdef', ops: 'demo-admin-token-0123456789abcdef' };
const PREFIX = `lexbridge-demo-${Date.now().toString(36)}`;
const ORG = { id: 'demo0rg0000000000000000a', publicKey: 'pk_demo_public_0123456789abcdef', privateKey: 'sk_demo_private_0123456789abcdef' };
const SANDBOX_URL = `http://127.0.0.1:${SANDBOX_PORT}`;
const API_URL = `http://127.0.0.1:${API_PORT}`;

const tty = process.stdout.isTTY;
const c = (code) => (s) => (tty ? `\x1b[${code}m${s}\x1b[0m` : String(s));
const dim = c(2), bold = c(1), green = c(32), red = c(31), yellow = c(33), cyan = c(36), magenta = c(35);
const time = () => dim(new Date().toISOString().slice(11, 19));
const say = (line) => process.stdout.write(`${time()} ${line}\n`);
/**
 * Says a failure of `what` once, not on every round of a loop that retries it (the sandbox may be
 * restarting); `troubleOver(what)` when it works again, so the next failure is said again.
 */
const troubles = new Map();
const sayTroubleOnce = (what, err) => {
  const line = `could not read the ${what}: ${err instanceof Error ? err.message : String(err)} (trying again)`;
  if (troubles.get(what) !== line) say(dim(line));
  troubles.set(what, line);
};
const troubleOver = (what) => troubles.delete(what);

// --- Redis must answer before anything starts -------------------------------------------------
async function redisAnswers(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const sock = createConnection({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    const done = (ok) => (sock.destroy(), resolve(ok));
    sock.setTimeout(1500, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => done(String(d).startsWith('+PONG') || String(d).startsWith('-NOAUTH')));
  });
}

if (!(await redisAnswers(REDIS_URL))) {
  console.error(`No Redis answers at ${REDIS_SHOWN}. Start one, then run this again:
  redis-server --port 6379 --maxmemory-policy noeviction      (Debian: apt-get install redis-server)
  or: docker compose up -d redis
  or point REDIS_URL at yours.`);
  process.exit(1);
}

// --- configuration for this run -----------------------------------------------------------------
const logDir = join(root, '.demo', 'logs');
mkdirSync(logDir, { recursive: true });
const config = join(root, '.demo', 'lexbridge.yaml');
// The example configuration, with shadow mode off so decisions are really sent (to the sandbox).
writeFileSync(config, readFileSync(join(root, 'lexbridge.example.yaml'), 'utf8').replace(/^shadow: true$/m, 'shadow: false'));

const common = {
  ...env,
  NODE_ENV: 'development',
  REDIS_URL,
  REDIS_PREFIX: PREFIX,
  LOG_LEVEL: env.LOG_LEVEL || 'info',
  LEXBRIDGE_CONFIG: config,
  LEXAMICA_BASE_URL: SANDBOX_URL,
  LEXAMICA_ORG_ID: ORG.id,
  LEXAMICA_PUBLIC_KEY: ORG.publicKey,
  LEXAMICA_PRIVATE_KEY: ORG.privateKey,
  POLL_INTERVAL_MS: '1000',
  POLL_OVERLAP_MS: '30000',
  POLL_INITIAL_LOOKBACK_MS: '60000',
  API_PORT: String(API_PORT),
};

const children = [];
function start(name, entry, extraEnv = {}, args = []) {
  const log = openSync(join(logDir, `${name}.log`), 'a');
  const child = spawn(process.execPath, [join(root, 'scripts', 'run-ts.mjs'), join(root, entry), ...args], {
    env: { ...common, ...extraEnv },
    stdio: ['ignore', log, log],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(red(`${name} exited (${signal ?? code}); see .demo/logs/${name}.log`));
      stop(1);
    }
  });
  children.push({ name, child });
  return child;
}

function run(name, entry, args) {
  return new Promise((resolve) => {
    const log = openSync(join(logDir, `${name}.log`), 'a');
    const child = spawn(process.execPath, [join(root, 'scripts', 'run-ts.mjs'), join(root, entry), ...args], { env: common, stdio: ['ignore', 'pipe', log] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

function build(name, bin, args) {
  return new Promise((resolve) => {
    const log = openSync(join(logDir, `${name}.log`), 'a');
    const child = spawn(bin, args, { cwd: root, env: common, stdio: ['ignore', log, log] });
    child.on('exit', (code) => resolve({ code }));
  });
}

// Waits for `url` to answer OK for as long as the services are starting: a service that exits
// stops the demo at once (its exit handler), so there is no fixed start budget for a busy machine to
// overrun (a cold start compiles every service's TypeScript). Every 15 s it says what it waits for.
async function waitHttp(url, what) {
  const started = Date.now();
  let told = started;
  while (!stopping) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - told >= 15_000) {
      told = Date.now();
      say(dim(`still waiting for ${what} at ${url} (${Math.round((told - started) / 1000)} s; see .demo/logs/)`));
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  say(dim('stopping…'));
  for (const { child } of children.reverse()) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(children.map(({ child }) => (child.exitCode === null ? new Promise((r) => child.once('exit', r)) : null)));
  await forgetDemoKeys().catch((err) => say(dim(`could not remove the demo's Redis keys: ${err instanceof Error ? err.message : String(err)}`)));
  say(dim('stopped. Logs are in .demo/logs/.'));
  process.exit(code);
}
// The demo's Redis keys live under their own prefix; they go when it stops.
async function forgetDemoKeys() {
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

// --- bring it up --------------------------------------------------------------------------------
console.log(bold('Lexbridge demo') + dim(`  (Redis ${REDIS_SHOWN}, keys under "${PREFIX}:")`));
const scenario = JSON.stringify({ rate: RATE, expiryMs: { min: 3_600_000, max: 48 * 3_600_000 }, cancelRate: 0.03, updateRate: 0.15, closeRate: 0.01 });
start('sandbox', 'apps/sandbox/src/main.ts', {
  SANDBOX_PORT: String(SANDBOX_PORT), SANDBOX_HOST: '127.0.0.1', SANDBOX_SEED: '42', SANDBOX_SCENARIO: scenario,
  SANDBOX_ORG_ID: ORG.id, SANDBOX_PUBLIC_KEY: ORG.publicKey, SANDBOX_PRIVATE_KEY: ORG.privateKey,
});
try {
  await waitHttp(`${SANDBOX_URL}/__sandbox/stats`, 'the sandbox');
  const setup = await run('setup', 'apps/cli/src/lexbridge.ts', ['setup']);
  if (setup.code !== 0) throw new Error(`lexbridge setup failed (see .demo/logs/setup.log)\n${setup.out}`);
  say(`${cyan('setup')}   mappings and stored-event subscriptions created on the sandbox Lexamica`);
  start('poller', 'apps/poller/src/main.ts', { OPS_PORT: '0' });
  start('processor', 'apps/processor/src/main.ts', { OPS_PORT: '0' });
  // The intake console's page, built from this checkout (the API serves it at /console).
  const page = await build('console', join(root, 'node_modules', '.bin', 'vite'), ['build', '--config', join(root, 'apps', 'api', 'console', 'vite.config.ts')]);
  if (page.code !== 0) throw new Error('building the console page failed (see .demo/logs/console.log)');
  start('api', 'apps/api/src/main.ts');
  await waitHttp(`${API_URL}/health/ready`, 'the API');
} catch (err) {
  console.error(red(err.message));
  await stop(1);
}

console.log(`
  ${bold('Where to look')}
  ${bold('Intake console')}          ${API_URL}/console/   sign in as ${bold('intake')}, token ${bold(TOKENS.intake)}
                          (invitations no rule decides wait there for a person; ops / ${TOKENS.ops} is an admin)
  API docs (Swagger UI)   ${API_URL}/docs
  CMS event feed          curl -H 'authorization: Bearer ${TOKENS.cms}' '${API_URL}/v1/events'
  Invitations (intake)    curl -H 'authorization: Bearer ${TOKENS.intake}' '${API_URL}/v1/invitations'
  Queue board (ops)       ${API_URL}/admin/queues  (user ops, password ${TOKENS.ops})
  Metrics                 ${API_URL}/metrics
  Sandbox stats           ${SANDBOX_URL}/__sandbox/stats
  Service logs            .demo/logs/
  ${dim('Ctrl-C stops everything.')}
`);

// --- the live account: read the CMS feed as a CMS would --------------------------------------------
// The demo plays the CMS: it reads the feed and posts updates as the `cms` identity.
const auth = { authorization: `Bearer ${TOKENS.cms}` };
const money = (n) => (typeof n === 'number' ? `$${Math.round(n).toLocaleString('en-US')}` : 'value unknown');
const short = (id) => String(id).slice(-6);
const sentUpdate = new Set();
const announced = new Set();

async function invitationDetails(id) {
  try {
    const r = await fetch(`${SANDBOX_URL}/__sandbox/invitations/${id}`);
    troubleOver('sandbox invitation');
    if (r.ok) return await r.json();
  } catch (err) {
    sayTroubleOnce('sandbox invitation', err);
  }
  return undefined;
}

async function describe(item) {
  const d = item.data ?? {};
  switch (item.type) {
    case 'invitation.decided': {
      const act = d.decision?.action;
      const colour = act === 'accept' ? green : act === 'decline' ? red : yellow;
      const decided = `${colour('decide')}  ${short(d.invitationId)} ${d.decision?.description ?? act}${d.shadow ? dim(' (shadow: not sent)') : ''}`;
      if (announced.has(d.invitationId)) return decided;
      announced.add(d.invitationId);
      const inv = await invitationDetails(d.invitationId);
      const ref = inv?.referral ?? {};
      const what = `${ref.caseType ?? d.caseType ?? 'case'}${ref.incident?.state ? `, ${ref.incident.state}` : ''}, ${money(ref.estimatedValue)}`;
      const expires = inv?.expires ? dim(` (expires in ${Math.round((Date.parse(inv.expires) - Date.now()) / 3_600_000)} h)`) : '';
      return `${cyan('invite')}  ${short(d.invitationId)} ${what}${expires}\n${time()} ${decided}`;
    }
    case 'invitation.action-sent':
      if (d.decision?.action === 'accept') void sendCmsUpdate(d.invitationId);
      return `${green('sent')}    ${d.decision?.action} for ${short(d.invitationId)} → Lexamica answered OK`;
    case 'invitation.action-failed':
      return `${red('failed')}  ${d.decision?.action} for ${short(d.invitationId)}: ${d.error ?? d.lexamicaStatus ?? 'see the ledger'}`;
    case 'invitation.expired':
      return `${dim('expired')} ${short(d.invitationId)} was past its expiry: nothing sent`;
    case 'invitation.expiring':
      return `${yellow('guard')}   ${short(d.invitationId)} nears expiry: ${d.guard}`;
    case 'lexamica.event': {
      const p = d.payload ?? {};
      if (d.event === 'Case Update Made') return `${magenta('← in')}    update from the referring firm on case ${short(p.matter_id ?? '?')}: “${p.headline ?? ''}”`;
      return `${dim('event')}   ${d.event}${p.invitation_id ? ` (${short(p.invitation_id)})` : ''}`;
    }
    case 'outbound.sent':
    case 'outbound.failed':
      return `${item.type === 'outbound.sent' ? green('→ out') : red('→ out')}   ${d.kind ?? 'update'} for case ${short(d.caseId ?? '?')} ${item.type === 'outbound.sent' ? 'delivered to Lexamica' : `failed: ${d.error ?? ''}`}`;
    default:
      return `${dim(item.type)} ${dim(JSON.stringify(d).slice(0, 120))}`;
  }
}

// Plays the CMS: once an accept is sent, it posts a status update on the case through the API.
async function sendCmsUpdate(invitationId) {
  if (sentUpdate.has(invitationId)) return;
  sentUpdate.add(invitationId);
  const inv = await invitationDetails(invitationId);
  const caseId = inv?.referral?._id;
  if (!caseId) return;
  const res = await fetch(`${API_URL}/v1/cases/${encodeURIComponent(caseId)}/updates`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': `demo-welcome-${invitationId}` },
    body: JSON.stringify({ title: 'Client contacted', content: 'We reached the client and scheduled a consultation.', date: new Date().toISOString() }),
  }).catch(() => undefined);
  if (res?.ok) say(`${magenta('→ out')}   CMS posted “Client contacted” on case ${short(caseId)} (queued, idempotency key demo-welcome-${short(invitationId)})`);
}

let cursor;
let lastStats = 0;
async function follow() {
  while (!stopping) {
    try {
      const url = new URL(`${API_URL}/v1/events`);
      if (cursor) url.searchParams.set('after', cursor);
      url.searchParams.set('limit', '100');
      const res = await fetch(url, { headers: auth });
      if (res.ok) {
        const body = await res.json();
        for (const item of body.items ?? []) {
          say(await describe(item));
          cursor = item.cursor ?? cursor;
        }
        if (body.next) cursor = body.next;
      }
      if (Date.now() - lastStats > 30_000) {
        lastStats = Date.now();
        const s = await (await fetch(`${SANDBOX_URL}/__sandbox/stats`)).json();
        say(dim(`sandbox: ${s.invitations.sent} invitations sent, ${s.invitations.acted} answered, ${s.actions.duplicate} duplicate actions, ${s.actions.afterExpiry} after expiry, ${s.caseUpdates.received} updates received`));
      }
      troubleOver('feed');
    } catch (err) {
      sayTroubleOnce('feed', err);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

if (EXIT_AFTER > 0) setTimeout(() => void stop(0), EXIT_AFTER).unref();
await follow();
