/** How the console writes times, money and places. */

/** "2 h 05 min left", "4 min 09 s left", "expired 3 min ago". */
export function timeLeft(expires: string, nowMs: number): string {
  const ms = Date.parse(expires) - nowMs;
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  const text = h >= 24 ? `${Math.floor(h / 24)} d ${h % 24} h` : h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min ${String(s).padStart(2, '0')} s`;
  return ms >= 0 ? `${text} left` : `expired ${text} ago`;
}

export function money(n: number | undefined): string {
  return n === undefined ? 'value not given' : `$${Math.round(n).toLocaleString('en-US')}`;
}

export function place(f: { incident?: { state?: string; city?: string } } | undefined): string {
  const i = f?.incident;
  return [i?.city, i?.state].filter(Boolean).join(', ') || 'place not given';
}

export function when(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });
}
