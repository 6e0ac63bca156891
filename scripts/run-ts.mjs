#!/usr/bin/env node
// Runs a TypeScript entry point straight from source: workspace packages resolve to their
// sources (the @lexbridge/source export condition) and tsx compiles on the fly. Used by `dev`,
// the demo and the benchmarks, so none of them needs a build first.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts.mjs <file.ts> [args...]');
  process.exit(2);
}
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const child = spawn(process.execPath, ['--conditions=@lexbridge/source', '--import', tsx, entry, ...args], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
