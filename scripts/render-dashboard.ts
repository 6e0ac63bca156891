/**
 * Renders docs/images/dashboard.png: the panels of deploy/grafana/dashboards/lexbridge.json, drawn
 * from a scripted demo run. No Grafana runs here, so this is an honest stand-in: the sandbox as
 * Lexamica, the real poller, processor and API in one process, scraped every second by a real
 * Prometheus (`prometheus` on PATH, the Debian package) loaded with deploy/prometheus/alerts.yml;
 * each panel's own PromQL is queried from it and drawn as SVG, and headless Chromium
 * (`/usr/bin/chromium`) takes the screenshot.
 *
 *   npm run render:dashboard        (needs Redis at REDIS_URL, like the tests)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tokenSha256 } from '@lexbridge/api';
import { createLexamicaClient, createLexamicaMetrics, type LexamicaClient } from '@lexbridge/lexamica-client';
import { createPollerService } from '@lexbridge/poller';
import { createProcessorService } from '@lexbridge/processor';
import { createLogger } from '@lexbridge/infra/logger';
import { createMetricsRegistry, registerBuildInfo } from '@lexbridge/infra/ops';
import { createKeyspace, createRedis } from '@lexbridge/infra/redis';
import { parseEnv, redisEnv } from '@lexbridge/infra/config';
import { deleteKeys, freePort, uniquePrefix, waitFor } from '@lexbridge/testkit';
import { acceptingFirm, FAST_POLLER_TIMING, startSandbox, type RunningSandbox } from '../e2e/harness.js';
import { startApi } from '../e2e/stack.js';
import { personalDataPolicy } from '@lexbridge/core/firm-config';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(root, 'docs/images/dashboard.png');
const TOKEN = 'render-dashboard-token-0123456789';
const logger = createLogger({ name: 'render', level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// The script's one configuration read: where Redis is (REDIS_URL, as every service reads it).
const { REDIS_URL } = parseEnv({ REDIS_URL: redisEnv.REDIS_URL }, process.env);
const redisUrl = () => REDIS_URL;

interface Panel {
  title: string;
  type: 'timeseries' | 'stat' | 'table';
  fieldConfig: { defaults: { unit: string } };
  targets: Array<{ expr: string; legendFormat: string }>;
}
interface Series {
  label: string;
  points: Array<[number, number]>;
}

function clientFor(env: RunningSandbox, registry: ReturnType<typeof createMetricsRegistry>): LexamicaClient {
  const { org } = env.sandbox.state;
  return createLexamicaClient({ baseUrl: env.baseUrl, orgId: org.id, publicKey: org.publicKey, privateKey: org.privateKey, timeoutMs: 5_000, retry: { baseDelayMs: 20, maxDelayMs: 200 }, profile: env.client.profile, ...createLexamicaMetrics(registry) });
}

async function startPrometheus(dir: string, targets: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  copyFileSync(join(root, 'deploy/prometheus/alerts.yml'), join(dir, 'alerts.yml'));
  const jobs = Object.entries(targets).map(([job, target]) => `  - job_name: ${job}\n    static_configs:\n      - targets: ["${target}"]\n`);
  writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - alerts.yml\nscrape_configs:\n${jobs.join('')}`);
  const port = await freePort();
  const child = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: 'inherit' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true, { timeoutMs: 20_000, message: 'prometheus ready' });
  return { url, child };
}

async function query(url: string, expr: string, start: number, end: number): Promise<Series[]> {
  const q = new URLSearchParams({ query: expr, start: String(start), end: String(end), step: '1' });
  const body = (await (await fetch(`${url}/api/v1/query_range?${q}`)).json()) as { data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } };
  return body.data.result.map((r) => ({ label: JSON.stringify(r.metric), points: r.values.map(([t, v]) => [t, Number(v)] as [number, number]).filter(([, v]) => Number.isFinite(v)) }));
}

const legend = (format: string, labels: Record<string, string>) => format.replace(/\{\{(\w+)\}\}/g, (_, k: string) => labels[k] ?? '');

function formatValue(v: number | undefined, unit: string): string {
  if (v === undefined || Number.isNaN(v)) return 'no data';
  if (!Number.isFinite(v)) return v > 0 ? '∞ (none)' : '-∞';
  if (unit === 's') {
    const a = Math.abs(v);
    const text = a >= 3_600 ? `${(a / 3_600).toFixed(1)} h` : a >= 60 ? `${(a / 60).toFixed(1)} min` : `${a.toFixed(a < 10 ? 2 : 0)} s`;
    return v < 0 ? `-${text}` : text;
  }
  if (unit === 'reqps' || unit === 'ops') return `${v.toFixed(2)}/s`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

const COLORS = ['#73bf69', '#f2cc0c', '#5794f2', '#ff780a', '#f2495c', '#b877d9', '#8ab8ff', '#fade2a'];
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function svgChart(series: Series[], unit: string, start: number, end: number): string {
  const W = 440;
  const H = 150;
  const values = series.flatMap((s) => s.points.map(([, v]) => v));
  const max = Math.max(1e-9, ...values);
  const min = Math.min(0, ...values);
  const x = (t: number) => 40 + ((t - start) / (end - start)) * (W - 50);
  const y = (v: number) => H - 20 - ((v - min) / (max - min)) * (H - 30);
  const lines = series.map((s, i) => `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2" points="${s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`);
  const axis = `<line x1="40" y1="${H - 20}" x2="${W - 10}" y2="${H - 20}" stroke="#444"/><text x="2" y="14" class="ax">${esc(formatValue(max, unit))}</text><text x="2" y="${H - 22}" class="ax">${esc(formatValue(min, unit))}</text><text x="40" y="${H - 4}" class="ax">-${Math.round(end - start)} s</text><text x="${W - 30}" y="${H - 4}" class="ax">now</text>`;
  return `<svg width="${W}" height="${H}">${axis}${lines.join('')}</svg>`;
}

async function renderPanels(url: string, panels: Panel[], start: number, end: number): Promise<string> {
  const cells: string[] = [];
  for (const panel of panels) {
    const unit = panel.fieldConfig.defaults.unit;
    const drawn: Array<Series & { last?: number }> = [];
    for (const target of panel.targets) {
      for (const s of await query(url, target.expr, start, end)) {
        drawn.push({ ...s, label: legend(target.legendFormat, JSON.parse(s.label) as Record<string, string>), last: s.points.at(-1)?.[1] });
      }
    }
    let body: string;
    if (panel.type === 'stat') body = `<div class="stat">${esc(formatValue(drawn[0]?.last ?? (drawn.length === 0 ? undefined : Number.NaN), unit))}</div>`;
    else if (panel.type === 'table') body = `<table>${drawn.map((s) => `<tr><td>${esc(s.label)}</td></tr>`).join('')}</table>`;
    else if (drawn.length === 0) body = '<div class="empty">no data</div>';
    else body = svgChart(drawn, unit, start, end) + `<div class="legend">${drawn.map((s, i) => `<span style="color:${COLORS[i % COLORS.length]}">■</span> ${esc(s.label)} <b>${esc(formatValue(s.last, unit))}</b>`).join(' &nbsp; ')}</div>`;
    cells.push(`<div class="panel ${panel.type === 'table' ? 'wide' : ''}"><h3>${esc(panel.title)}</h3>${body}</div>`);
  }
  return cells.join('\n');
}

async function main(): Promise<void> {
  const closers: Array<() => Promise<unknown> | unknown> = [];
  const dir = mkdtempSync(join(tmpdir(), 'lexbridge-render-'));
  closers.push(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const env = await startSandbox();
    closers.push(() => env.close());
    const prefix = uniquePrefix('render-dashboard');
    closers.push(async () => {
      const r = createRedis(redisUrl(), 'worker');
      await deleteKeys(r, prefix);
      r.disconnect();
    });
    const first = env.sandbox.scenario.generate(4).map((r) => r.doc);
    const manual = [first[0]!._id, first[1]!._id];
    const firm = acceptingFirm(manual);
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.1.0';
    const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim() || 'unknown';

    const processorRegistry = createMetricsRegistry('processor');
    registerBuildInfo(processorRegistry, { version, commit });
    const redis = createRedis(redisUrl(), 'worker');
    const processor = createProcessorService({ redis, keyspace: createKeyspace(prefix), client: clientFor(env, processorRegistry), firm, logger, registry: processorRegistry, expirySafetyMs: 300 });
    closers.push(async () => {
      await processor.close();
      redis.disconnect();
    });
    const pollerRegistry = createMetricsRegistry('poller');
    registerBuildInfo(pollerRegistry, { version, commit });
    const pollerRedis = createRedis(redisUrl(), 'worker');
    const poller = createPollerService({ client: clientFor(env, pollerRegistry), redis: pollerRedis, redisPrefix: prefix, logger, timing: FAST_POLLER_TIMING, registry: pollerRegistry, personalData: personalDataPolicy(firm) });
    closers.push(async () => {
      await poller.close();
      pollerRedis.disconnect();
    });
    const apiRegistry = createMetricsRegistry('api');
    registerBuildInfo(apiRegistry, { version, commit });
    const { api, close: closeApi } = await startApi(redisUrl(), createKeyspace(prefix), { logger, registry: apiRegistry, identities: [{ name: 'render', roles: ['cms'], tokenSha256: [tokenSha256(TOKEN)] }] });
    closers.push(closeApi);

    const ports = { poller: await freePort(), processor: await freePort(), api: await freePort() };
    await poller.ops.listen({ port: ports.poller, host: '127.0.0.1' });
    await processor.ops.listen({ port: ports.processor, host: '127.0.0.1' });
    await api.listen({ port: ports.api, host: '127.0.0.1' });
    const prom = await startPrometheus(dir, { 'lexbridge-poller': `127.0.0.1:${ports.poller}`, 'lexbridge-processor': `127.0.0.1:${ports.processor}`, 'lexbridge-api': `127.0.0.1:${ports.api}` });
    closers.push(() => prom.child.kill('SIGTERM'));

    const start = Date.now() / 1000;
    await processor.start();
    poller.start();
    // The scripted run: waves of invitations, a CMS update, a short Lexamica outage.
    for (let wave = 0; wave < 6; wave++) {
      await sleep(5_000);
      env.sandbox.scenario.generate(3 + wave);
      if (wave === 2) {
        const accepted = (await processor.ledger.list({ state: 'done', limit: 1 })).items[0];
        if (accepted?.caseId) {
          await api.inject({
            method: 'POST',
            url: `/v1/cases/${accepted.caseId}/updates`,
            headers: { authorization: `Bearer ${TOKEN}`, 'idempotency-key': 'render-update-1', 'content-type': 'application/json' },
            payload: JSON.stringify({ title: 'Client interviewed', content: 'Interview done.', date: new Date().toISOString() }),
          });
        }
      }
      if (wave === 3) env.sandbox.state.faults.update({ serverError: { rate: 0.5, status: 503 } });
      if (wave === 4) env.sandbox.state.faults.update({ serverError: { rate: 0 } });
    }
    await sleep(4_000);
    const end = Date.now() / 1000;

    const dashboard = JSON.parse(readFileSync(join(root, 'deploy/grafana/dashboards/lexbridge.json'), 'utf8')) as { panels: Panel[] };
    const html = `<!doctype html><html><head><meta charset="utf-8"><style>
      body { background:#111217; color:#ccccdc; font:13px system-ui, sans-serif; margin:12px; }
      h1 { font-size:18px; margin:4px 0 10px; } .note { color:#8e8e9a; font-size:12px; margin-bottom:10px; }
      .grid { display:grid; grid-template-columns:repeat(3, 460px); gap:10px; }
      .panel { background:#181b1f; border:1px solid #2c3235; border-radius:4px; padding:8px; min-height:190px; }
      .panel.wide { grid-column:1 / span 3; min-height:0; } h3 { font-size:13px; margin:0 0 6px; font-weight:600; }
      .stat { font-size:40px; color:#73bf69; padding:40px 0; text-align:center; } .empty { color:#666; padding:60px 0; text-align:center; }
      .legend { font-size:11px; line-height:16px; } .ax { fill:#8e8e9a; font-size:10px; } td { padding:2px 8px; font-family:monospace; }
    </style></head><body><h1>Lexbridge</h1>
    <div class="note">The panels of deploy/grafana/dashboards/lexbridge.json, each panel's PromQL queried from a real Prometheus scraping a ${Math.round(end - start)} s scripted run (sandbox, poller, processor, API); not Grafana.</div>
    <div class="grid">${await renderPanels(prom.url, dashboard.panels, start, end)}</div></body></html>`;
    const page = join(dir, 'dashboard.html');
    writeFileSync(page, html);
    mkdirSync(dirname(OUT), { recursive: true });
    const chromium = '/usr/bin/chromium';
    const shot = spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1420,1650', `--screenshot=${OUT}`, `file://${page}`], { encoding: 'utf8' });
    if (shot.status !== 0) throw new Error(`chromium failed (${chromium}): ${shot.stderr}`);
    console.log(`wrote ${OUT}`);
  } finally {
    while (closers.length) await closers.pop()!();
  }
}

await main();
