import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { caseTypeWarnings, describeDecision, evaluateRules, matchCondition, parseRulesConfig, type Condition, type Decision } from './index.js';

const now = new Date('2026-03-10T12:00:00.000Z');
const hoursFromNow = (h: number) => new Date(now.getTime() + h * 3_600_000).toISOString();

const invitation = {
  _id: 'inv-1',
  expires: hoursFromNow(30),
  accepted: false,
  referral: {
    caseType: 'Motor Vehicle Accident',
    estimatedValue: 150_000,
    incident: { state: 'CA', date: '2025-11-02' },
    client: { email: null },
    tags: ['rush'],
  },
};

/** Parses a condition the way the YAML loader does, then matches it against `inv`. */
function holds(when: unknown, inv: unknown = invitation): boolean {
  const cfg = parseRulesConfig({ rules: [{ name: 'r', when, then: 'accept' }] });
  return matchCondition(cfg.rules[0]!.when, inv, now);
}

describe('field operators', () => {
  it('equals compares exactly, case-sensitively unless ignoreCase', () => {
    expect(holds({ field: 'referral.caseType', equals: 'Motor Vehicle Accident' })).toBe(true);
    expect(holds({ field: 'referral.caseType', equals: 'motor vehicle accident' })).toBe(false);
    expect(holds({ field: 'referral.caseType', equals: 'motor vehicle accident', ignoreCase: true })).toBe(true);
    expect(holds({ field: 'referral.estimatedValue', equals: 150_000 })).toBe(true);
    expect(holds({ field: 'referral.estimatedValue', equals: '150000' })).toBe(false);
    expect(holds({ field: 'accepted', equals: false })).toBe(true);
    expect(holds({ field: 'referral.client.email', equals: null })).toBe(true);
    expect(holds({ field: 'referral.missing', equals: 'x' })).toBe(false);
  });

  it('notEquals is the negation of equals, so a missing field is not equal', () => {
    expect(holds({ field: 'referral.incident.state', notEquals: 'NV' })).toBe(true);
    expect(holds({ field: 'referral.incident.state', notEquals: 'CA' })).toBe(false);
    expect(holds({ field: 'referral.incident.state', notEquals: 'ca', ignoreCase: true })).toBe(false);
    expect(holds({ field: 'referral.missing', notEquals: 'CA' })).toBe(true);
  });

  it('in and notIn test membership of a list', () => {
    expect(holds({ field: 'referral.incident.state', in: ['NV', 'CA'] })).toBe(true);
    expect(holds({ field: 'referral.incident.state', in: ['NV', 'AZ'] })).toBe(false);
    expect(holds({ field: 'referral.incident.state', in: ['ca'], ignoreCase: true })).toBe(true);
    expect(holds({ field: 'referral.incident.state', notIn: ['NV', 'AZ'] })).toBe(true);
    expect(holds({ field: 'referral.incident.state', notIn: ['CA'] })).toBe(false);
    expect(holds({ field: 'referral.missing', in: ['CA'] })).toBe(false);
    expect(holds({ field: 'referral.missing', notIn: ['CA'] })).toBe(true);
  });

  it('exists is true for a present, non-null value', () => {
    expect(holds({ field: 'referral.incident', exists: true })).toBe(true);
    expect(holds({ field: 'referral.client.email', exists: true })).toBe(false);
    expect(holds({ field: 'referral.client.email', exists: false })).toBe(true);
    expect(holds({ field: 'referral.nope.deeper', exists: false })).toBe(true);
    expect(holds({ field: 'referral.tags.0', exists: true })).toBe(true);
  });

  it('gt, gte, lt and lte compare numbers at their boundaries', () => {
    const v = 'referral.estimatedValue';
    expect([holds({ field: v, gt: 149_999 }), holds({ field: v, gt: 150_000 })]).toEqual([true, false]);
    expect([holds({ field: v, gte: 150_000 }), holds({ field: v, gte: 150_001 })]).toEqual([true, false]);
    expect([holds({ field: v, lt: 150_001 }), holds({ field: v, lt: 150_000 })]).toEqual([true, false]);
    expect([holds({ field: v, lte: 150_000 }), holds({ field: v, lte: 149_999 })]).toEqual([true, false]);
  });

  it('numeric operators are false on a missing or non-numeric field, never a throw', () => {
    expect(holds({ field: 'referral.missing', gt: 0 })).toBe(false);
    expect(holds({ field: 'referral.missing', lte: 0 })).toBe(false);
    expect(holds({ field: 'referral.caseType', gte: 0 })).toBe(false);
    expect(holds({ field: 'referral.estimatedValue', lt: 1 }, { referral: { estimatedValue: '0' } })).toBe(false);
    expect(holds({ field: 'referral', gt: 0 })).toBe(false);
  });

  it('before and after compare ISO dates against an absolute bound', () => {
    expect(holds({ field: 'referral.incident.date', before: '2025-11-03' })).toBe(true);
    expect(holds({ field: 'referral.incident.date', before: '2025-11-02' })).toBe(false);
    expect(holds({ field: 'referral.incident.date', after: '2025-11-01T23:59:59Z' })).toBe(true);
    expect(holds({ field: 'referral.incident.date', after: '2025-11-02T00:00:00+01:00' })).toBe(true);
  });

  it('resolves relative bounds against the injected now', () => {
    // expires is 30h from now
    expect(holds({ field: 'expires', before: '+48h' })).toBe(true);
    expect(holds({ field: 'expires', before: '+24h' })).toBe(false);
    expect(holds({ field: 'expires', after: 'now' })).toBe(true);
    expect(holds({ field: 'expires', after: '+1800m' })).toBe(false);
    expect(holds({ field: 'expires', after: '+1799m' })).toBe(true);
    expect(holds({ field: 'referral.incident.date', after: '-365d' })).toBe(true);
    expect(holds({ field: 'referral.incident.date', after: '-100d' })).toBe(false);
    expect(holds({ field: 'referral.incident.date', before: '-1w' })).toBe(true);
    const later = new Date(now.getTime() + 31 * 3_600_000);
    const cfg = parseRulesConfig({ rules: [{ name: 'r', when: { field: 'expires', before: 'now' }, then: 'accept' }] });
    expect(matchCondition(cfg.rules[0]!.when, invitation, now)).toBe(false);
    expect(matchCondition(cfg.rules[0]!.when, invitation, later)).toBe(true);
  });

  it('date operators are false on a missing, malformed or impossible date', () => {
    expect(holds({ field: 'referral.missing', before: '+1d' })).toBe(false);
    expect(holds({ field: 'referral.missing', after: '-1d' })).toBe(false);
    expect(holds({ field: 'referral.caseType', before: '+1d' })).toBe(false);
    expect(holds({ field: 'referral.estimatedValue', before: '+1d' })).toBe(false);
    expect(holds({ field: 'd', before: '+1d' }, { d: '2026-02-30' })).toBe(false);
    expect(holds({ field: 'd', before: '+1d' }, { d: '1' })).toBe(false);
  });
});

describe('combining conditions', () => {
  const mva = { field: 'referral.caseType', equals: 'Motor Vehicle Accident' };
  const nv = { field: 'referral.incident.state', equals: 'NV' };
  const big = { field: 'referral.estimatedValue', gte: 100_000 };

  it('all needs every condition, any needs one, not inverts', () => {
    expect(holds({ all: [mva, big] })).toBe(true);
    expect(holds({ all: [mva, nv] })).toBe(false);
    expect(holds({ any: [nv, big] })).toBe(true);
    expect(holds({ any: [nv, { not: mva }] })).toBe(false);
    expect(holds({ not: nv })).toBe(true);
    expect(holds({ not: { not: nv } })).toBe(false);
  });

  it('nests to any depth', () => {
    expect(holds({ all: [mva, { any: [nv, { all: [big, { not: { any: [nv, { field: 'accepted', equals: true }] } }] }] }] })).toBe(true);
    expect(holds({ any: [{ all: [mva, nv] }, { all: [{ not: big }, mva] }] })).toBe(false);
  });
});

describe('evaluateRules', () => {
  const cfg = parseRulesConfig({
    default: { action: 'manual', note: 'nobody matched' },
    rules: [
      { name: 'decline-nv', when: { field: 'referral.incident.state', equals: 'NV' }, then: { action: 'decline', reason: 'not licensed in NV' } },
      { name: 'accept-mva', when: { field: 'referral.caseType', equals: 'Motor Vehicle Accident' }, then: 'accept' },
      { name: 'evaluate-big', when: { field: 'referral.estimatedValue', gte: 100_000 }, then: 'evaluate' },
    ],
  });

  it('takes the first matching rule and traces every rule it tried', () => {
    expect(evaluateRules(cfg, invitation, now)).toEqual({
      action: 'accept',
      rule: 'accept-mva',
      trace: [
        { rule: 'decline-nv', matched: false },
        { rule: 'accept-mva', matched: true },
      ],
    });
  });

  it('lets an earlier rule win over a later one that also matches', () => {
    const inNv = { ...invitation, referral: { ...invitation.referral, incident: { state: 'NV' } } };
    const d = evaluateRules(cfg, inNv, now);
    expect(d).toMatchObject({ action: 'decline', reason: 'not licensed in NV', rule: 'decline-nv' });
    expect(d.trace).toEqual([{ rule: 'decline-nv', matched: true }]);
  });

  it('falls back to the default action with a null rule when nothing matches', () => {
    const d = evaluateRules(cfg, { referral: { caseType: 'Employment', estimatedValue: 10 } }, now);
    expect(d).toEqual({ action: 'manual', note: 'nobody matched', rule: null, trace: cfg.rules.map((r) => ({ rule: r.name, matched: false })) });
    expect(evaluateRules(parseRulesConfig({}), {}, now)).toEqual({ action: 'manual', rule: null, trace: [] });
  });

  it('decides the example rules the way their names say', () => {
    const example = parseRulesConfig(parseYaml(readFileSync(new URL('./example-rules.yaml', import.meta.url), 'utf8')));
    expect(caseTypeWarnings(example)).toEqual([]);
    const decide = (referral: Record<string, unknown>) => evaluateRules(example, { _id: 'i', referral }, now);
    expect(decide({ caseType: 'Motor Vehicle Accident', estimatedValue: 250_000, incident: { state: 'CA', date: '2026-01-05' } }).rule).toBe('accept-high-value-mva');
    expect(decide({ caseType: 'Motor Vehicle Accident', estimatedValue: 250_000, incident: { state: 'TX' } })).toMatchObject({
      action: 'decline',
      rule: 'decline-outside-licensed-states',
    });
    expect(decide({ caseType: 'Motor Vehicle Accident', incident: { state: 'CA' } })).toMatchObject({ action: 'evaluate', rule: 'evaluate-low-or-unknown-value-mva' });
    expect(decide({ caseType: 'Commercial Property Injuries', estimatedValue: 60_000, incident: { state: 'NV', date: '2025-12-01' } }).rule).toBe('accept-recent-premises-liability');
    expect(decide({ caseType: 'Commercial Property Injuries', estimatedValue: 60_000, incident: { state: 'NV', date: '2023-01-01' } }).rule).toBe('decline-incident-past-limitation');
    expect(decide({ caseType: 'Family Law' }).rule).toBe('decline-practice-areas-not-handled');
    expect(decide({ caseType: 'Product Liability' })).toMatchObject({ action: 'manual', note: 'Product liability intake is reviewed by a partner' });
    expect(decide({ caseType: 'Commercial Property Injuries', estimatedValue: 1_000 })).toMatchObject({ action: 'manual', rule: null });
  });
});

describe('describeDecision', () => {
  const base: Decision = { action: 'accept', rule: 'accept-high-value-mva', trace: [] };

  it('names the action and the rule that fired', () => {
    expect(describeDecision(base)).toBe("accept by rule 'accept-high-value-mva'");
    expect(describeDecision({ ...base, action: 'decline', reason: 'out of state', rule: 'decline-x' })).toBe("decline by rule 'decline-x': out of state");
    expect(describeDecision({ action: 'manual', note: 'review', rule: null, trace: [] })).toBe('manual by default (no rule matched): review');
  });

  it('mentions capacity, and says when the daily limit overrode an accept', () => {
    const capacity = { caseType: 'Motor Vehicle Accident', used: 3, limit: 10 };
    expect(describeDecision({ ...base, capacity })).toBe("accept by rule 'accept-high-value-mva' (3/10 Motor Vehicle Accident accepts today)");
    expect(describeDecision({ ...base, action: 'manual', note: 'capacity reached', capacity: { ...capacity, used: 10 } })).toBe(
      "manual by capacity limit (10/10 Motor Vehicle Accident accepts today), by rule 'accept-high-value-mva' wanted accept: capacity reached",
    );
  });
});

describe('evaluation is total', () => {
  const fields = ['_id', 'expires', 'referral', 'referral.caseType', 'referral.estimatedValue', 'referral.incident.date', 'referral.tags.0', 'a.b.c'];
  const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
  const scalar = fc.oneof(fc.string(), finite, fc.boolean(), fc.constant(null));
  const leaf = fc.oneof(
    fc.record({ field: fc.constantFrom(...fields), equals: scalar }),
    fc.record({ field: fc.constantFrom(...fields), notIn: fc.array(scalar, { minLength: 1, maxLength: 3 }), ignoreCase: fc.boolean() }),
    fc.record({ field: fc.constantFrom(...fields), exists: fc.boolean() }),
    fc.record({ field: fc.constantFrom(...fields), gte: finite }),
    fc.record({ field: fc.constantFrom(...fields), lt: fc.integer() }),
    fc.record({ field: fc.constantFrom(...fields), before: fc.constantFrom('now', '+48h', '-365d', '2026-01-01', '2026-01-01T10:00:00Z') }),
    fc.record({ field: fc.constantFrom(...fields), after: fc.constantFrom('+30m', '-1w', '2025-06-30T00:00:00+02:00') }),
  );
  const { condition } = fc.letrec<{ condition: Condition }>((tie) => ({
    condition: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ all: fc.array(tie('condition'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ any: fc.array(tie('condition'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ not: tie('condition') }),
    ),
  }));
  const invitationArb = fc.oneof(
    fc.jsonValue(),
    fc.record({ _id: fc.string(), expires: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.jsonValue()), referral: fc.jsonValue() }),
  );

  it('never throws on arbitrary JSON invitations, and traces at most every rule', () => {
    fc.assert(
      fc.property(fc.array(condition, { minLength: 1, maxLength: 5 }), invitationArb, fc.date({ noInvalidDate: true }), (whens, inv, at) => {
        const cfg = parseRulesConfig({ rules: whens.map((when, i) => ({ name: `r${i}`, when, then: 'accept' })) });
        const d = evaluateRules(cfg, inv as Record<string, unknown>, at);
        expect(d.trace.length).toBeLessThanOrEqual(whens.length);
        if (d.rule === null) expect(d).toMatchObject({ action: 'manual', trace: whens.map((_, i) => ({ rule: `r${i}`, matched: false })) });
        else expect(d.trace.at(-1)).toEqual({ rule: d.rule, matched: true });
      }),
      { numRuns: 300 },
    );
  });

  it('not is always the opposite of its condition', () => {
    fc.assert(
      fc.property(condition, invitationArb, (c, inv) => {
        const [when] = parseRulesConfig({ rules: [{ name: 'r', when: c, then: 'accept' }] }).rules.map((r) => r.when);
        expect(matchCondition({ not: when! }, inv, now)).toBe(!matchCondition(when!, inv, now));
      }),
      { numRuns: 300 },
    );
  });
});
