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

/** Leaves of a JSON value as (path, value); empty objects and arrays count as leaves. */
function leaves(value: unknown, prefix: (string | number)[] = [], out: Array<[(string | number)[], unknown]> = []) {
  if (Array.isArray(value) && value.length > 0) {
    value.forEach((v, i) => leaves(v, [...prefix, i], out));
  } else if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) leaves(v, [...prefix, k], out);
  } else if (prefix.length > 0) {
    out.push([prefix, value]);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** If `rule` is a prefix of `path`, the array indices it bound and the rest of the path. */
function matchPrefix(rule: Seg[], path: (string | number)[]): { indices: number[]; rest: (string | number)[] } | undefined {
  const indices: number[] = [];
  let p = 0;
  for (const seg of rule) {
    const actual = path[p];
    if (actual === undefined) return undefined;
    if (seg === '[]') {
      if (typeof actual !== 'number') return undefined;
      indices.push(actual);
    } else if (seg !== actual) {
      return undefined;
    }
    p += 1;
  }
  return { indices, rest: path.slice(p) };
}

function fill(template: Seg[], indices: number[]): (string | number)[] {
  let i = 0;
  return template.map((s) => (s === '[]' ? (indices[i++] ?? 0) : s));
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

function translate(payload: Record<string, unknown>, rules: Compiled[], opts: TranslateOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Longest rule first, so `client.address.city` beats `client.address`.
  const ordered = [...rules].sort((a, b) => b.from.length - a.from.length);
  const mapped: Array<[(string | number)[], unknown]> = [];
  for (const [path, value] of leaves(payload)) {
    let hit = false;
    for (const rule of ordered) {
      const m = matchPrefix(rule.from, path);
      if (m) {
        mapped.push([[...fill(rule.to, m.indices), ...m.rest], value]);
        hit = true;
        break;
      }
    }
    if (!hit && (opts.unmapped ?? 'keep') === 'keep') setPath(out, path, value);
  }
  // Mapped values are written last: a rule's target wins over an unmapped field of the same path.
  for (const [path, value] of mapped) setPath(out, path, value);
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
  const inbound = declaration.fields.map((f) => ({ from: parsePath(f.external), to: parsePath(f.lexamica) }));
  const outbound = declaration.fields.map((f) => ({ from: parsePath(f.lexamica), to: parsePath(f.external) }));
  const byLexamica = new Map(declaration.fields.map((f) => [f.lexamica, f.external]));
  return {
    declaration,
    toLexamica: (payload, opts = {}) => translate(payload, inbound, opts),
    toFirm: (payload, opts = {}) => translate(payload, outbound, opts),
    externalFor: (p) => byLexamica.get(p),
  };
}
