#!/usr/bin/env node
/** Entry point of the `lexbridge` command: only wiring (see cli.ts for the commands). */
import { ConfigError } from '@lexbridge/infra/config';
import { FirmConfigError } from '@lexbridge/core/firm-config';
import { RulesConfigError } from '@lexbridge/core/rules';
import { runCli } from './cli.js';
import { loadCliEnv } from './config.js';

runCli(process.argv.slice(2), loadCliEnv()).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Configuration mistakes name the variable or YAML path: print them plainly.
    if (err instanceof ConfigError || err instanceof FirmConfigError || err instanceof RulesConfigError) console.error(err.message);
    else console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
