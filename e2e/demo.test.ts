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
      env: { ...process.env, REDIS_URL: redisUrl(), DEMO_API_PORT: String(apiPort), DEMO_SANDBOX_PORT: String(sandboxPort), DEMO_RATE: '3', DEMO_EXIT_AFTER_MS: '30000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out, out).toContain('Where to look');
    expect(code, out).toBe(0);
    expect(out).toMatch(/decide\s+\w+ (accept|decline|evaluate|manual) by/);
    expect(out).toMatch(/sent\s+(accept|decline|evaluate) for \w+ → Lexamica answered OK/);
    expect(out).toContain('stopped.');
  }, 90_000);
});
