#!/usr/bin/env node
/** Entry point of the `lexbridge` command: only wiring (see cli.ts for the commands). */
import { startupProblem } from '@lexbridge/infra/errors';
import { runCli } from './cli.js';
import { loadCliEnv } from './config.js';

runCli(process.argv.slice(2), loadCliEnv()).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Configuration mistakes name the variable or YAML path: print them plainly; for the rest, the message is what an operator acts on.
    console.error(startupProblem(err) ?? (err instanceof Error ? err.message : err));
    process.exit(1);
  },
);
