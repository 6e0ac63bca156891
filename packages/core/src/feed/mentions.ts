/** True when `value` (a feed item's or a job's data), at any depth, holds one of `ids` as a string. */
export function mentionsAny(value: unknown, ids: ReadonlySet<string>): boolean {
  if (typeof value === 'string') return ids.has(value);
  if (Array.isArray(value)) return value.some((v) => mentionsAny(v, ids));
  if (value !== null && typeof value === 'object') return Object.values(value).some((v) => mentionsAny(v, ids));
  return false;
}
