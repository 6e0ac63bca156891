/**
 * What Lexamica does with a firm's mapping (lexamica-api.md §2), written for the sandbox alone:
 * payloads it stores are renamed from Lexamica's paths into the firm's, and bodies the firm sends
 * are renamed back. A rule names a path on each side (`client.first_name` ↔ `referral.client.firstName`),
 * `list[].x` stands for every element of an array, and a rule on an object carries its whole
 * subtree. A field no rule names keeps its path. The longest matching rule wins.
 */
import { z } from 'zod';

export const MODELS = ['Case', 'CaseInvitation', 'CaseUpdate', 'Attachment'] as const;
export type Model = (typeof MODELS)[number];

const FIELD_PATH = /^[A-Za-z0-9_$-]+(\[\])?(\.[A-Za-z0-9_$-]+(\[\])?)*$/;
const pathField = z.string({ error: 'is required' }).regex(FIELD_PATH, 'must be a dot path such as client.firstName or items[].name');
const arrays = (p: string) => p.split('[]').length - 1;

/** A mapping as the firm creates it: the sandbox's own check of what Lexbridge sends. */
export const mappingBodySchema = z.object({
  name: z.string({ error: 'is required' }).trim().min(1, 'is required'),
  model: z.enum(MODELS, { error: `must be one of ${MODELS.join(', ')}` }),
  fields: z
    .array(z.object({ external: pathField, lexamica: pathField }).refine((f) => arrays(f.external) === arrays(f.lexamica), 'both sides need the same number of []'))
    .superRefine((rules, ctx) => {
      for (const side of ['external', 'lexamica'] as const) {
        const seen = new Set<string>();
        rules.forEach((r, i) => {
          if (seen.has(r[side])) ctx.addIssue({ code: 'custom', path: [i, side], message: `"${r[side]}" is mapped twice` });
          seen.add(r[side]);
        });
      }
    }),
});
export type MappingBody = z.infer<typeof mappingBodySchema>;

/** A step of a concrete path: a key, or an array index. */
type Step = string | number;
/** A step of a rule: a key, or `*` for any index (from `[]`). */
type Pattern = Array<string | typeof ANY>;
const ANY = Symbol('any index');

function patternOf(path: string): Pattern {
  return path.split('.').flatMap((part) => (part.endsWith('[]') ? [part.slice(0, -2), ANY] : [part]));
}

/** Every leaf of `value` (empty objects and arrays count) with its concrete path. */
function leaves(value: unknown, at: Step[] = [], out: Array<[Step[], unknown]> = []): Array<[Step[], unknown]> {
  if (Array.isArray(value) && value.length > 0) value.forEach((v, i) => leaves(v, [...at, i], out));
  else if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) leaves(v, [...at, k], out);
  } else if (at.length > 0) out.push([at, value]);
  return out;
}

function put(target: Record<string, unknown>, path: Step[], value: unknown): void {
  let node: Record<string | number, unknown> = target;
  path.forEach((step, i) => {
    if (step === '__proto__' || step === 'constructor' || step === 'prototype') return;
    if (i === path.length - 1) {
      node[step] = value;
      return;
    }
    if (typeof node[step] !== 'object' || node[step] === null) node[step] = typeof path[i + 1] === 'number' ? [] : {};
    node = node[step] as Record<string | number, unknown>;
  });
}

/** A rule compiled one way: the pattern it reads and the pattern it writes. */
interface Rename {
  from: Pattern;
  to: Pattern;
}

/** The renamed path of `path` under `rule`, or undefined when the rule does not cover it. */
function rename(rule: Rename, path: Step[]): Step[] | undefined {
  if (rule.from.length > path.length) return undefined;
  const indices: number[] = [];
  for (let i = 0; i < rule.from.length; i++) {
    const want = rule.from[i];
    const got = path[i];
    if (want === ANY) {
      if (typeof got !== 'number') return undefined;
      indices.push(got);
    } else if (String(got) !== want) return undefined;
  }
  const head = rule.to.map((s) => (s === ANY ? (indices.shift() ?? 0) : /^\d+$/.test(s) ? Number(s) : s));
  return [...head, ...path.slice(rule.from.length)];
}

function renamer(rules: Rename[]) {
  const ordered = [...rules].sort((a, b) => b.from.length - a.from.length);
  return (payload: Record<string, unknown>): Record<string, unknown> => {
    const kept: Record<string, unknown> = {};
    const moved: Array<[Step[], unknown]> = [];
    for (const [path, value] of leaves(payload)) {
      const to = ordered.map((r) => rename(r, path)).find((p) => p !== undefined);
      if (to) moved.push([to, value]);
      else put(kept, path, value);
    }
    // A renamed field wins over an unnamed one that happens to sit at the same path.
    for (const [path, value] of moved) put(kept, path, value);
    return kept;
  };
}

/** A firm's mapping, ready to rename payloads both ways. */
export interface FieldMapping {
  readonly model: Model;
  /** Lexamica's paths → the firm's names (what stored events carry). */
  toFirm(payload: Record<string, unknown>): Record<string, unknown>;
  /** The firm's names → Lexamica's paths (what the firm sends). */
  toLexamica(payload: Record<string, unknown>): Record<string, unknown>;
  /** The firm's name of a Lexamica path, when the mapping renames it (for error messages). */
  firmName(lexamicaPath: string): string | undefined;
}

export function compileMapping(body: MappingBody): FieldMapping {
  const out = body.fields.map((f) => ({ from: patternOf(f.lexamica), to: patternOf(f.external) }));
  const back = body.fields.map((f) => ({ from: patternOf(f.external), to: patternOf(f.lexamica) }));
  return {
    model: body.model,
    toFirm: renamer(out),
    toLexamica: renamer(back),
    firmName: (p) => body.fields.find((f) => f.lexamica === p)?.external,
  };
}
