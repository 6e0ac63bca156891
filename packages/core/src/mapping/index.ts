/**
 * Translation between the firm's field names and Lexamica's dot paths, given a mapping as it is
 * declared on Lexamica. Payloads Lexamica sends arrive in the firm's names (`toLexamica` reads them
 * back); data the firm sends is written in its names (`toFirm` produces it).
 *
 * Paths: `a.b.c` for nested objects; `items[].x` for every element of an array (both sides must
 * use the same number of `[]`); `items.0.x` for one element. A rule may name an object: its
 * whole subtree moves with it.
 */
import { z } from 'zod';

export const MAPPING_MODELS = ['Case', 'CaseInvitation', 'CaseUpdate', 'Attachment'] as const;
export type MappingModel = (typeof MAPPING_MODELS)[number];

const PATH = /^[A-Za-z0-9_$-]+(\[\])?(\.[A-Za-z0-9_$-]+(\[\])?)*$/;
const pathSchema = z.string().regex(PATH, 'must be a dot path such as client.firstName or items[].name');

export const mappingFieldSchema = z.object({ external: pathSchema, lexamica: pathSchema }).refine(
  (f) => (f.external.match(/\[\]/g)?.length ?? 0) === (f.lexamica.match(/\[\]/g)?.length ?? 0),
  { message: 'external and lexamica must use the same number of [] array markers' },
);

/** A mapping as declared on Lexamica (and in the firm's YAML). */
export const mappingDeclarationSchema = z.object({
  name: z.string().min(1),
  model: z.enum(MAPPING_MODELS),
  fields: z.array(mappingFieldSchema).superRefine((fields, ctx) => {
    const seen = new Map<string, number>();
    fields.forEach((f, i) => {
      for (const side of ['external', 'lexamica'] as const) {
        const k = `${side}:${f[side]}`;
        if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [i, side], message: `${side} path "${f[side]}" is mapped twice` });
        seen.set(k, i);
      }
    });
  }),
});
export type MappingDeclaration = z.infer<typeof mappingDeclarationSchema>;
export type MappingField = z.infer<typeof mappingFieldSchema>;

/** Options for a translation. */
export interface TranslateOptions {
  /** What to do with fields no rule mentions: keep them under the same path (default) or drop them. */
  unmapped?: 'keep' | 'drop';
}

type Seg = string | number | '[]';
type Compiled = { from: Seg[]; to: Seg[] };

function parsePath(path: string): Seg[] {
  const segs: Seg[] = [];
  for (const part of path.split('.')) {
    if (part.endsWith('[]')) {
      segs.push(part.slice(0, -2), '[]');
    } else {
      segs.push(/^\d+$/.test(part) ? Number(part) : part);
    }
  }
  return segs;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when `rule` is a prefix of `path` (`[]` matches any array index). */
function matches(rule: Seg[], path: (string | number)[]): boolean {
  if (rule.length > path.length) return false;
  for (let i = 0; i < rule.length; i++) {
    const seg = rule[i];
    if (seg === '[]' ? typeof path[i] !== 'number' : seg !== path[i]) return false;
  }
  return true;
}

/** Where a leaf at `path` goes under a matching rule: its target, the indices `[]` bound filled in, then the rest of the path. */
function target(rule: Compiled, path: (string | number)[]): (string | number)[] {
  const indices: number[] = [];
  for (let i = 0; i < rule.from.length; i++) if (rule.from[i] === '[]') indices.push(path[i] as number);
  let n = 0;
  const out = rule.to.map((s) => (s === '[]' ? (indices[n++] ?? 0) : s));
  for (let i = rule.from.length; i < path.length; i++) out.push(path[i]!);
  return out;
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function setPath(target: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let node: Record<string | number, unknown> = target;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if (typeof seg === 'string' && FORBIDDEN.has(seg)) return;
    if (i === path.length - 1) {
      node[seg] = value;
      return;
    }
    const next = path[i + 1]!;
    let child = node[seg];
    if (typeof child !== 'object' || child === null) {
      child = typeof next === 'number' ? [] : {};
      node[seg] = child;
    }
    node = child as Record<string | number, unknown>;
  }
}

/**
 * Reads a dot path (`referral.client.email`, `items.0.name`) from a value; undefined if absent.
 * The empty path is the value itself (an API profile's "the body is the list").
 */
export function getPath(value: unknown, path: string): unknown {
  if (path === '') return value;
  let node: unknown = value;
  for (const seg of path.split('.')) {
    // Own properties only: `x.toString` or `__proto__` must not read through the prototype.
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, seg)) return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}

/**
 * Moves every leaf of `payload` (empty objects and arrays count as leaves) to where the longest
 * matching rule sends it; a leaf no rule matches keeps its path (or is dropped). `rules` come
 * longest first. One walk with one path stack: a payload is translated per event, so it allocates
 * only the output and the targets of mapped leaves.
 */
function translate(payload: Record<string, unknown>, rules: readonly Compiled[], opts: TranslateOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keep = (opts.unmapped ?? 'keep') === 'keep';
  const mapped: Array<[(string | number)[], unknown]> = [];
  const path: (string | number)[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value) && value.length > 0) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        visit(value[i]);
        path.pop();
      }
      return;
    }
    if (isPlainObject(value)) {
      const keys = Object.keys(value);
      if (keys.length > 0) {
        for (const k of keys) {
          path.push(k);
          visit(value[k]);
          path.pop();
        }
        return;
      }
    }
    if (path.length === 0) return;
    const rule = rules.find((r) => matches(r.from, path));
    if (rule) mapped.push([target(rule, path), value]);
    else if (keep) setPath(out, path, value);
  };
  visit(payload);
  // Mapped values are written last: a rule's target wins over an unmapped field of the same path.
  for (const [to, value] of mapped) setPath(out, to, value);
  return out;
}

/** A mapping compiled once for repeated translations in both directions. */
export interface Mapper {
  readonly declaration: MappingDeclaration;
  /** Firm field names → Lexamica paths (reading a received payload back). */
  toLexamica(payload: Record<string, unknown>, opts?: TranslateOptions): Record<string, unknown>;
  /** Lexamica paths → firm field names (writing data the firm sends). */
  toFirm(payload: Record<string, unknown>, opts?: TranslateOptions): Record<string, unknown>;
  /** The firm's name for a Lexamica path, when the mapping renames it. */
  externalFor(lexamicaPath: string): string | undefined;
}

export function createMapper(declaration: MappingDeclaration): Mapper {
  // Longest rule first, so `client.address.city` beats `client.address` (a stable sort: of two
  // equally long rules, the one declared first).
  const compile = (pairs: Array<[string, string]>): Compiled[] =>
    pairs.map(([from, to]) => ({ from: parsePath(from), to: parsePath(to) })).sort((a, b) => b.from.length - a.from.length);
  const inbound = compile(declaration.fields.map((f) => [f.external, f.lexamica]));
  const outbound = compile(declaration.fields.map((f) => [f.lexamica, f.external]));
  const byLexamica = new Map(declaration.fields.map((f) => [f.lexamica, f.external]));
  return {
    declaration,
    toLexamica: (payload, opts = {}) => translate(payload, inbound, opts),
    toFirm: (payload, opts = {}) => translate(payload, outbound, opts),
    externalFor: (p) => byLexamica.get(p),
  };
}
