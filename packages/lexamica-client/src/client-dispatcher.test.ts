import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('../test/fixtures/upload-after-fetch.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

describe('the client in a process that used the global fetch first', () => {
  // Node 24 bundles its own undici; whichever undici runs first installs the process-wide dispatcher,
  // and the npm undici's multipart body broke inside Node's ("network error"): the retainer upload
  // never reached Lexamica on the Node the image ships. Its own process, so the order is real.
  it('uploads a multipart file through its own dispatcher, whoever owns the global one', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=@lexbridge/source', '--import', TSX, FIXTURE], { timeout: 30_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { ok: boolean; upload?: string; error?: string; cause?: string };

    expect(result, `${result.error} (${result.cause})`).toMatchObject({ ok: true });
    expect(result.upload).toMatch(/name="file"; filename="retainer.pdf"\r\nContent-Type: application\/pdf\r\n\r\n%PDF-1.7 retainer/);
  });
});
