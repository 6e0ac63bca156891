/**
 * Stored events, kept in one array sorted by `createdAt` (ties keep insertion order) plus one per
 * event name, so a range query is two binary searches and a slice: draining 50,000+ events page
 * by page stays fast.
 */

/** A stored event exactly as the profile serialises it (lexamica-api.md §4). */
export interface StoredEventRecord {
  _id: string;
  event: string;
  subscription: string;
  mapping: string;
  /** ISO 8601 with milliseconds. */
  createdAt: string;
  /** The Lexamica-side object in the firm's field names. */
  payload: Record<string, unknown>;
}

/** A query on the store; bounds in epoch ms, both inclusive. */
export interface EventStoreQuery {
  event?: string;
  fromMs?: number;
  toMs?: number;
  limit: number;
  skip: number;
}

export interface EventStore {
  /** Stores `record` at `atMs` (its createdAt); a late one goes before later events. */
  insert(record: StoredEventRecord, atMs: number): void;
  query(q: EventStoreQuery): { data: StoredEventRecord[]; total: number };
  /** Drops every event created before `cutoffMs`; returns how many went. */
  pruneBefore(cutoffMs: number): number;
  readonly size: number;
  clear(): void;
}

interface Entry {
  at: number;
  record: StoredEventRecord;
}

/** First index whose time is >= ms (`strict`: > ms). */
function bound(entries: readonly Entry[], ms: number, strict: boolean): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = entries[mid]!.at;
    if (at < ms || (strict && at === ms)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(entries: Entry[], entry: Entry): void {
  // Appending is the common case; only late events pay for the splice.
  if (entries.length === 0 || entries[entries.length - 1]!.at <= entry.at) entries.push(entry);
  else entries.splice(bound(entries, entry.at, true), 0, entry);
}

export function createEventStore(): EventStore {
  let all: Entry[] = [];
  let byEvent = new Map<string, Entry[]>();

  return {
    insert(record, atMs) {
      const entry = { at: atMs, record };
      insertSorted(all, entry);
      let list = byEvent.get(record.event);
      if (!list) byEvent.set(record.event, (list = []));
      insertSorted(list, entry);
    },
    query(q) {
      const entries = q.event === undefined ? all : (byEvent.get(q.event) ?? []);
      const start = q.fromMs === undefined ? 0 : bound(entries, q.fromMs, false);
      const end = q.toMs === undefined ? entries.length : bound(entries, q.toMs, true);
      const total = Math.max(0, end - start);
      const first = start + q.skip;
      const last = Math.min(end, first + q.limit);
      const data: StoredEventRecord[] = [];
      for (let i = first; i < last; i++) data.push(entries[i]!.record);
      return { data, total };
    },
    pruneBefore(cutoffMs) {
      const n = bound(all, cutoffMs, false);
      if (n === 0) return 0;
      all = all.slice(n);
      for (const [event, list] of byEvent) {
        const k = bound(list, cutoffMs, false);
        if (k === list.length) byEvent.delete(event);
        else if (k > 0) byEvent.set(event, list.slice(k));
      }
      return n;
    },
    get size() {
      return all.length;
    },
    clear() {
      all = [];
      byEvent = new Map();
    },
  };
}
