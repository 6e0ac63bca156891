/**
 * The ReDoS check of `npm run lint` (eslint-plugin-regexp, configured in eslint.config.js) must catch
 * the pattern that made log redaction quadratic (issue 18), and accept its linear replacement: run
 * the repository's own ESLint configuration over both.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { snippetLinter } from './lint-text.js';

const root = fileURLToPath(new URL('..', import.meta.url));

async function regexpFindings(code: string): Promise<string[]> {
  const eslint = snippetLinter(root);
  // A path inside the code base, so every block of the configuration that matches real files applies.
  const [result] = await eslint.lintText(code, { filePath: `${root}packages/infra/src/redact/redos-probe.ts` });
  return (result?.messages ?? []).filter((m) => m.ruleId?.startsWith('regexp/')).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the ReDoS check in npm run lint', () => {
  it('flags the e-mail pattern that took seconds on a long run without an @', async () => {
    const findings = await regexpFindings("export const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}/g;\n");
    expect(findings.join('\n')).toMatch(/regexp\/no-super-linear-move: .*quadratic/);
  });

  it('flags classic catastrophic backtracking', async () => {
    const findings = await regexpFindings("export const NESTED = /^(a+)+$/;\n");
    expect(findings.join('\n')).toMatch(/regexp\/no-super-linear-backtracking/);
  });

  it('accepts the linear pattern the redactor uses now', async () => {
    const findings = await regexpFindings("export const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}/g;\n");
    expect(findings).toEqual([]);
  });
});
