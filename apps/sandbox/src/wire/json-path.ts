/**
 * Reading and writing dot paths (`referral.client.email`) in JSON bodies, the sandbox's own: it
 * shares no code with Lexbridge, so a bug on one side is not silently mirrored on the other.
 */

const UNSAFE = new Set(['__proto__', 'prototype', 'constructor']);

/** The value at `path` in `body` (own properties only), or undefined. `''` is the body itself. */
export function readAt(body: unknown, path: string): unknown {
  if (path === '') return body;
  return path.split('.').reduce<unknown>((node, key) => {
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, key)) return undefined;
    return (node as Record<string, unknown>)[key];
  }, body);
}

/** Writes `value` at `path` in `target`, making objects on the way; unsafe keys are refused. */
export function writeAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  if (keys.some((k) => UNSAFE.has(k))) return;
  let node = target;
  keys.slice(0, -1).forEach((key) => {
    const next = node[key];
    node = (typeof next === 'object' && next !== null ? next : (node[key] = {})) as Record<string, unknown>;
  });
  node[keys[keys.length - 1]!] = value;
}
