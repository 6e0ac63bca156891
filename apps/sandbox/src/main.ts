/** Starts the sandbox: parse config, build, listen, print how to point Lexbridge at it, shut down cleanly. */
import { pino } from 'pino';
import { buildSandbox, orgFromSeed } from './app.js';
import { ConfigError, loadSandboxConfig, usage } from './config.js';

if (process.argv.includes('--help')) {
  process.stdout.write(usage());
  process.exit(0);
}

let config;
try {
  config = loadSandboxConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n\n${usage()}`);
  process.exit(1);
}

const org = config.org ?? orgFromSeed(config.seed);
// Keys travel in headers or the query string, depending on the profile: neither is logged.
const logger = pino({
  name: 'sandbox',
  level: config.logLevel,
  redact: { paths: ['req.headers', 'req.url', 'req.query'], censor: '[Redacted]' },
});
const sandbox = buildSandbox({
  seed: config.seed,
  org,
  retentionMs: config.retentionMs,
  faults: config.faults,
  scenario: config.scenario.options,
  autoStart: config.scenario.autoStart,
  profile: config.profile,
  misbehaviour: config.misbehaviour,
  logger,
});
const address = await sandbox.app.listen({ port: config.port, host: config.host });
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}

// Printing the keys is the point: a new user copies these lines to point Lexbridge at the sandbox.
process.stdout.write(
  [
    `Lexamica sandbox listening on ${address} (seed ${config.seed}, scenario ${config.scenario.name}, profile ${config.profileSource})`,
    '',
    `  organization id: ${org.id}`,
    `  public key:      ${org.publicKey}`,
    `  private key:     ${org.privateKey}`,
    '',
    'Point Lexbridge at it with:',
    `  LEXAMICA_BASE_URL=${address}`,
    `  LEXAMICA_ORG_ID=${org.id}`,
    `  LEXAMICA_PUBLIC_KEY=${org.publicKey}`,
    `  LEXAMICA_PRIVATE_KEY=${org.privateKey}`,
    '',
    `Inspect: ${address}/__sandbox/stats`,
    '',
  ].join('\n'),
);
