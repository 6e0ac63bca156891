#!/usr/bin/env node
// Regenerates the screenshots in docs/console/ (docs/console.md shows them): runs the console's
// browser test (e2e/console.test.ts, headless Chromium against the whole stack on a sandbox), which
// saves one screenshot per view into CONSOLE_SCREENSHOT_DIR. Needs Redis (REDIS_URL) and
// /usr/bin/chromium, like the test itself.  Usage: node scripts/console-screenshots.mjs
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'docs', 'console');
mkdirSync(out, { recursive: true });
const vitest = join(root, 'node_modules', '.bin', 'vitest');
const child = spawn(vitest, ['run', 'e2e/console.test.ts'], { cwd: root, stdio: 'inherit', env: { ...process.env, CONSOLE_SCREENSHOT_DIR: out } });
child.on('exit', (code) => {
  if (code === 0) console.log(`screenshots written to ${out}`);
  else console.error('the console test failed: the screenshots may be missing or stale');
  process.exit(code ?? 1);
});
