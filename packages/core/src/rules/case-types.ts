/**
 * Lexamica's case types, spelled exactly as its API takes them (a public integration uses these
 * strings; lexamica-api.md §1), and the warnings for rules that name any other: a rule on
 * `referral.caseType: Employment` can never match, which is a silent failure of its own.
 */
import { fieldConditions, type RulesConfig } from './rules-config.js';

/** Lexamica's case types; a case that fits none is `Other`. */
export const LEXAMICA_CASE_TYPES = [
  'Motor Vehicle Accident',
  'Personal Injury',
  'Dog Bite Injuries',
  'Workplace Injuries',
  "Workers' Compensation",
  'Pedestrian Injuries',
  'Commercial Property Injuries',
  'Construction Accidents',
  'Medical Malpractice',
  'Product Liability',
  'Nursing Home Injuries',
  'Family Law',
  'Social Injustice',
  'Criminal Law',
  'Bankruptcy',
  'Landlord-Tenant Disputes',
  'Wills and Trusts',
  'Civil Litigation',
  'Other',
] as const;

/** A rule part that names a case type Lexamica does not have: its YAML path and what to do. */
export interface RulesWarning {
  path: string;
  message: string;
}

const CASE_TYPE_FIELDS = new Set(['referral.caseType', 'caseType']);

function closest(value: string): string | undefined {
  const v = value.toLowerCase().replace(/[^a-z]/g, '');
  return LEXAMICA_CASE_TYPES.find((t) => {
    const n = t.toLowerCase().replace(/[^a-z]/g, '');
    return n === v || n.startsWith(v) || v.startsWith(n);
  });
}

function check(value: unknown, path: string, ignoreCase: boolean, out: RulesWarning[]): void {
  if (typeof value !== 'string') return;
  const known = LEXAMICA_CASE_TYPES.some((t) => (ignoreCase ? t.toLowerCase() === value.toLowerCase() : t === value));
  if (known) return;
  const hint = closest(value);
  out.push({ path, message: `"${value}" is not one of Lexamica's case types, so this can never match${hint ? `; did you mean "${hint}"?` : ` (they are: ${LEXAMICA_CASE_TYPES.join(', ')})`}` });
}


/** Warnings for every rule condition and capacity limit that names a case type not on Lexamica's list. */
export function caseTypeWarnings(rules: Pick<RulesConfig, 'rules' | 'capacity'>): RulesWarning[] {
  const out: RulesWarning[] = [];
  for (const { path, condition: c } of fieldConditions(rules.rules)) {
    if (!CASE_TYPE_FIELDS.has(c.field)) continue;
    const ic = c.ignoreCase === true;
    for (const op of ['equals', 'notEquals'] as const) if (op in c) check(c[op], `${path}.${op}`, ic, out);
    for (const op of ['in', 'notIn'] as const) c[op]?.forEach((v, i) => check(v, `${path}.${op}.${i}`, ic, out));
  }
  rules.capacity.forEach((l, i) => {
    if (l.caseType !== '*') check(l.caseType, `capacity.${i}.caseType`, false, out);
  });
  return out;
}
