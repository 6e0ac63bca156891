#!/usr/bin/env node
// The image's health check (the Dockerfile's HEALTHCHECK): asks the Lexbridge service running in
// this container whether it is ready, and exits 0 when it answers 200, 1 otherwise, printing why
// (Docker keeps that line: `docker inspect --format '{{json .State.Health}}' <container>`).
//
//   node scripts/healthcheck.mjs [api|poller|processor|sandbox]
//
// One image runs every service, so without an argument the service is found from the process table:
// the one whose command runs `apps/<service>/dist/main.js`. Its port comes from the same variable
// and default the service itself reads (test/deploy.test.ts holds them to the config schemas).
// Plain node and node:http: the slim image has no curl or wget, and fetch would load undici, whose
// memory counts against the container's limit every time the check runs.
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';

/**
 * @typedef {object} HealthTarget
 * @property {string} portVar the variable naming the port the service listens on
 * @property {number} defaultPort the port when that variable is unset
 * @property {string} hostVar the variable naming the interface it listens on (default 127.0.0.1)
 * @property {string} path the path that answers 200 when the service is ready
 */

/**
 * Where each service answers "ready". The sandbox (demo only) has no readiness endpoint; its stats
 * answer whenever it serves requests.
 * @type {Record<string, HealthTarget>}
 */
export const HEALTH_TARGETS = {
  api: { portVar: 'API_PORT', defaultPort: 3000, hostVar: 'API_HOST', path: '/health/ready' },
  poller: { portVar: 'OPS_PORT', defaultPort: 9101, hostVar: 'OPS_HOST', path: '/health/ready' },
  processor: { portVar: 'OPS_PORT', defaultPort: 9102, hostVar: 'OPS_HOST', path: '/health/ready' },
  receiver: { portVar: 'OPS_PORT', defaultPort: 9104, hostVar: 'OPS_HOST', path: '/health/ready' },
  sandbox: { portVar: 'SANDBOX_PORT', defaultPort: 4010, hostVar: 'SANDBOX_HOST', path: '/__sandbox/stats' },
};

/** How long the service has to answer, in ms: below the HEALTHCHECK's own timeout, so the reason is printed. */
export const ANSWER_TIMEOUT_MS = 2_000;

const ENTRY = /(?:^|\/)apps\/([a-z-]+)\/dist\/main\.js$/;

/**
 * The services whose entry file a process under `procDir` runs (normally one: a container runs one
 * service, as PID 1 or under an init such as `docker run --init`).
 * @param {string} [procDir]
 * @returns {string[]}
 */
export function runningServices(procDir = '/proc') {
  const found = new Set();
  for (const pid of readdirSync(procDir)) {
    if (!/^\d+$/.test(pid)) continue;
    let cmdline;
    try {
      cmdline = readFileSync(`${procDir}/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // the process ended between the listing and the read: it is not the service
    }
    for (const arg of cmdline.split('\0')) {
      const service = ENTRY.exec(arg)?.[1];
      if (service && service in HEALTH_TARGETS) found.add(service);
    }
  }
  return [...found].sort();
}

/**
 * The URL of `service`'s readiness endpoint, from the environment the service also reads.
 * @param {string} service a key of {@link HEALTH_TARGETS}
 * @param {Record<string, string | undefined>} env
 */
export function healthUrl(service, env) {
  const target = HEALTH_TARGETS[service];
  if (!target) throw new Error(`unknown service "${service}"`);
  const port = env[target.portVar] || String(target.defaultPort);
  const host = env[target.hostVar] || '127.0.0.1';
  // A service listening on every interface is reached on the loopback one.
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}${target.path}`;
}

/**
 * GETs `url`; resolves `{ ok, reason }`, never rejects: every failure becomes a reason.
 * @param {string} url
 * @param {number} [timeoutMs]
 * @returns {Promise<{ ok: boolean, reason: string }>}
 */
export function probe(url, timeoutMs = ANSWER_TIMEOUT_MS) {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        if (body.length < 500) body += chunk;
      });
      res.on('end', () => resolve({ ok: res.statusCode === 200, reason: `${url} answered ${res.statusCode}: ${body.slice(0, 500)}` }));
      res.on('error', (err) => resolve({ ok: false, reason: `${url}: ${err.message}` }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (/** @type {NodeJS.ErrnoException} */ err) => resolve({ ok: false, reason: `${url}: ${err.code ?? ''} ${err.message}`.replace(/ +/g, ' ') }));
    req.end();
  });
}

/**
 * Checks the named service, or the one running here; returns the exit code and the line to print.
 * @param {string[]} args the command line: the service's name, or nothing
 * @param {Record<string, string | undefined>} env
 * @param {string} [procDir]
 * @returns {Promise<{ code: number, line: string }>}
 */
export async function check(args, env, procDir = '/proc') {
  const names = Object.keys(HEALTH_TARGETS).join(', ');
  const running = args[0] === undefined ? runningServices(procDir) : [args[0]];
  const service = running[0];
  if (service === undefined) return { code: 1, line: `no Lexbridge service (${names}) runs in this container` };
  if (running.length > 1) return { code: 1, line: `more than one service runs here (${running.join(', ')}): name the one to check` };
  if (!(service in HEALTH_TARGETS)) return { code: 1, line: `unknown service "${service}": one of ${names}` };
  const { ok, reason } = await probe(healthUrl(service, env));
  return { code: ok ? 0 : 1, line: `${service}: ${ok ? 'ready' : 'not ready'}: ${reason}` };
}

if (import.meta.main) {
  const { code, line } = await check(process.argv.slice(2), process.env);
  (code === 0 ? process.stdout : process.stderr).write(`${line}\n`);
  process.exitCode = code;
}
