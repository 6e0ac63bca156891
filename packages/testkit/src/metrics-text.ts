/**
 * Reading Prometheus' text format in tests: the value of one sample by name and labels.
 */

/**
 * The value of the first sample of `name` whose labels include every one of `labels` (all of them
 * when none are given); undefined when there is none. Label values must not hold `",`.
 */
export function metricSample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels);
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries((m[2] ?? '').split('",').map((pair) => [pair.slice(0, pair.indexOf('="')), pair.slice(pair.indexOf('="') + 2).replace(/"$/, '')]));
    if (want.every(([k, v]) => got[k] === v)) return m[3] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[3]);
  }
  return undefined;
}
