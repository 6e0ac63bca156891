/**
 * The alert rules that ship in deploy/prometheus: valid (`promtool check rules`), behaving as their
 * unit tests say (`promtool test rules`), each with its section in docs/operations.md (the metrics
 * they name are checked against the code in test/deploy.test.ts).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { promtool } from '@lexbridge/testkit';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RULES = join(root, 'deploy/prometheus/alerts.yml');
const RULE_TESTS = join(root, 'deploy/prometheus/alerts.test.yml');
const rules = (parseYaml(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; annotations: { runbook: string } }> }> }).groups.flatMap((g) => g.rules);

describe('deploy/prometheus/alerts.yml', () => {
  it('passes promtool check rules', async () => {
    const r = await promtool(['check', 'rules', RULES]);
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it('passes its unit tests (promtool test rules)', async () => {
    const r = await promtool(['test', 'rules', RULE_TESTS]);
    expect({ code: r.code, out: r.stdout + r.stderr }).toMatchObject({ code: 0, out: expect.stringContaining('SUCCESS') });
  });

  it('tests every alert it defines', () => {
    const tested = readFileSync(RULE_TESTS, 'utf8');
    for (const { alert } of rules) expect(tested, alert).toContain(`alertname: ${alert}`);
  });

  it('has a section in docs/operations.md for every alert, where its runbook link points', () => {
    const doc = readFileSync(join(root, 'docs/operations.md'), 'utf8');
    for (const { alert, annotations } of rules) {
      expect(doc, alert).toMatch(new RegExp(`^#### ${alert}$`, 'm'));
      expect(annotations.runbook).toBe(`docs/operations.md#${alert.toLowerCase()}`);
    }
  });
});
