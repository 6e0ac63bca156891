/**
 * Runs Prometheus's `promtool` (Debian package `prometheus`; `.ci/run` installs it when missing).
 * Without it the call fails and says how to install it: the checks it makes are not skipped.
 */
import { spawn } from 'node:child_process';

export interface PromtoolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `promtool <args>`, with `stdin` written to its standard input when given. */
export function promtool(args: readonly string[], stdin?: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new Error('promtool is not installed: apt-get install prometheus (Debian), or put promtool from a Prometheus release on PATH') : err),
    );
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}
