import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort, redisUrl } from '@lexbridge/testkit';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('the demo (README command one)', () => {
  it('starts the sandbox and the three services, shows invitations decided and answered, and stops cleanly', async () => {
    const [apiPort, sandboxPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, ['scripts/demo.mjs'], {
      cwd: root,
      env: { ...process.env, REDIS_URL: redisUrl(), DEMO_API_PORT: String(apiPort), DEMO_SANDBOX_PORT: String(sandboxPort), DEMO_RATE: '3' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Stopped with Ctrl-C (SIGINT) as soon as it has shown what it is for, however long a busy
    // machine took to start it: no fixed start budget or run time to overrun.
    const shown = (text: string) => /decide\s+\w+ (accept|decline|evaluate|manual) by/.test(text) && /sent\s+(accept|decline|evaluate) for \w+ → Lexamica answered OK/.test(text);
    let out = '';
    const collect = (d: Buffer) => {
      out += d.toString();
      if (shown(out) && child.exitCode === null && !child.killed) child.kill('SIGINT');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out, out).toContain('Where to look');
    expect(code, out).toBe(0);
    expect(out).toMatch(/decide\s+\w+ (accept|decline|evaluate|manual) by/);
    expect(out).toMatch(/sent\s+(accept|decline|evaluate) for \w+ → Lexamica answered OK/);
    expect(out).toContain('stopped.');
  }, 180_000);
});
