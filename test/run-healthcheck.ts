/** Runs scripts/healthcheck.mjs as the image's HEALTHCHECK does: a child `node` with the container's environment. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HEALTHCHECK_SCRIPT = fileURLToPath(new URL('../scripts/healthcheck.mjs', import.meta.url));

/** `node scripts/healthcheck.mjs [service]` with only `env` (and PATH) set: its exit code and what it printed. */
export function runHealthcheck(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [HEALTHCHECK_SCRIPT, ...args], { env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: `${stdout}${stderr}`.trim() });
    });
  });
}
