import { describe, expect, it } from 'vitest';
import { caseTypeWarnings, LEXAMICA_CASE_TYPES } from './case-types.js';
import { parseRulesConfig } from './rules-config.js';

describe("the rules' case types", () => {
  it("warns, with the YAML path, about a case type that is not on Lexamica's list, suggesting the near one", () => {
    const rules = parseRulesConfig({
      rules: [
        { name: 'a', when: { field: 'referral.caseType', equals: 'Workers Compensation' }, then: 'accept' },
        { name: 'b', when: { all: [{ field: 'referral.caseType', in: ['Motor Vehicle Accident', 'Employment'] }] }, then: 'accept' },
        { name: 'c', when: { not: { field: 'referral.caseType', equals: 'medical malpractice', ignoreCase: true } }, then: 'manual' },
        { name: 'd', when: { field: 'referral.incident.state', equals: 'Employment' }, then: 'manual' },
      ],
      capacity: [{ caseType: 'Premises Liability', maxAcceptsPerDay: 1 }, { caseType: '*', maxAcceptsPerDay: 2 }],
    });
    expect(caseTypeWarnings(rules)).toEqual([
      { path: 'rules.0.when.equals', message: `"Workers Compensation" is not one of Lexamica's case types, so this can never match; did you mean "Workers' Compensation"?` },
      { path: 'rules.1.when.all.0.in.1', message: expect.stringContaining('"Employment" is not one of Lexamica\'s case types') },
      { path: 'capacity.0.caseType', message: expect.stringContaining('"Premises Liability"') },
    ]);
  });

  it('is quiet for rules that use the exact strings', () => {
    const rules = parseRulesConfig({ rules: LEXAMICA_CASE_TYPES.map((t, i) => ({ name: `r${i}`, when: { field: 'referral.caseType', equals: t }, then: 'accept' })) });
    expect(caseTypeWarnings(rules)).toEqual([]);
  });
});
