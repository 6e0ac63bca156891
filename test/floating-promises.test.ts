/**
 * The floating-promise rules eslint.config.js promises for service code: a promise that is neither
 * awaited, returned nor handed to something that reports its failure fails silently. Linted as the
 * text of a real service file (the rules are type-aware: the file must be one a tsconfig covers).
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

async function promiseFindings(code: string): Promise<string[]> {
  const [result] = await new ESLint({ cwd: root }).lintText(code, { filePath: `${root}apps/api/src/time.ts` });
  return (result?.messages ?? []).filter((m) => m.ruleId === null || /no-(floating|misused)-promises/.test(m.ruleId)).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('floating promises in service code', () => {
  it('fail lint when a promise is dropped, or passed where nothing awaits it', async () => {
    const code = `
export async function save(write: () => Promise<void>): Promise<void> {
  write();
}
export function onTick(items: string[], write: (s: string) => Promise<void>): void {
  if (items.some(async (s) => write(s))) return;
}
`;
    const findings = await promiseFindings(code);
    expect(findings).toEqual([expect.stringMatching(/^@typescript-eslint\/no-floating-promises: /), expect.stringMatching(/^@typescript-eslint\/no-misused-promises: /)]);
  }, 120_000); // type-aware: builds the API's program on first use

  it('accept promises that are awaited, returned or voided on purpose', async () => {
    const code = `
export async function save(write: () => Promise<void>): Promise<void> {
  await write();
  void write();
  return write();
}
`;
    expect(await promiseFindings(code)).toEqual([]);
  }, 120_000);
});
