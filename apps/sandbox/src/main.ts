/** Starts the sandbox: parse config, build, listen, print how to point Lexbridge at it, shut down cleanly. */
import { ConfigError } from '@lexbridge/shared/config';
import { createLogger } from '@lexbridge/shared/logger';
import { onShutdown } from '@lexbridge/shared/ops';
import { buildSandbox, orgFromSeed } from './app.js';
import { loadSandboxConfig, usage } from './config.js';

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
const logger = createLogger({ name: 'sandbox', level: config.logLevel, secrets: [org.publicKey, org.privateKey] });
const sandbox = buildSandbox({
  seed: config.seed,
  org,
  retentionMs: config.retentionMs,
  faults: config.faults,
  scenario: config.scenario.options,
  autoStart: config.scenario.autoStart,
  logger,
});
const address = await sandbox.app.listen({ port: config.port, host: config.host });
onShutdown(logger, () => sandbox.close());

// Printing the keys is the point: a new user copies these lines to point Lexbridge at the sandbox.
process.stdout.write(
  [
    `Lexamica sandbox listening on ${address} (seed ${config.seed}, scenario ${config.scenario.name})`,
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
