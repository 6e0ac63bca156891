/**
 * The intake console in a real browser (issue 19): headless Chromium (Debian's `chromium`, driven by
 * playwright-core) against the whole stack: the sandbox as Lexamica sending invitations that the
 * rules leave to a person, the poller, a processor and the API serving the page built by Vite.
 * Sign in, see an invitation arrive without a reload, decline it with a reason and see Lexamica's
 * answer on the page and in the sandbox's stats; a viewer gets no decide buttons; a decision made
 * by another person's session shows. A screenshot of each view is written to
 * CONSOLE_SCREENSHOT_DIR (scripts/console-screenshots.mjs puts them in docs/console/).
 */
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONSOLE_SETTINGS, tokenSha256 } from '@lexbridge/api';
import { parseRulesConfig } from '@lexbridge/core/rules';
import { startStack, type Stack } from './stack.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PEOPLE = { jane: 'jane-intake-token-0123456789abcdef', sam: 'sam-intake-token-0123456789abcdef', vera: 'vera-viewer-token-0123456789abcdef' };
const REASONS = ['Conflict of interest', 'Outside the states the firm is licensed in'];
const shots = process.env.CONSOLE_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'lexbridge-console-'));

describe('the intake console in headless Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let address: string;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `no browser at ${CHROMIUM}: apt-get install -y chromium (.ci/run does it)`).toBe(true);
    // The page as this checkout's sources build it, in a folder of the test's own.
    const dir = mkdtempSync(join(tmpdir(), 'lexbridge-console-build-'));
    await build({ configFile: fileURLToPath(new URL('../apps/api/console/vite.config.ts', import.meta.url)), build: { outDir: dir, emptyOutDir: true }, logLevel: 'error' });
    stack = await startStack('default', {
      // Every invitation is left to a person, and expires in days, so the expiry guard stays out of the way.
      fragments: [{ shadow: false, rules: [], capacity: [], default: { action: 'manual', note: 'No rule matched; intake team to review' } }],
      scenario: { expiryMs: { min: 72 * 3_600_000, max: 96 * 3_600_000 } },
      identities: [
        { name: 'jane', roles: ['intake'], tokenSha256: [tokenSha256(PEOPLE.jane)] },
        { name: 'sam', roles: ['intake'], tokenSha256: [tokenSha256(PEOPLE.sam)] },
        { name: 'vera', roles: ['viewer'], tokenSha256: [tokenSha256(PEOPLE.vera)] },
      ],
      console: { dir, settings: { ...DEFAULT_CONSOLE_SETTINGS, rules: parseRulesConfig({ default: { action: 'manual' } }), console: { declineReasons: REASONS, clientContact: false } } },
    });
    address = await stack.api.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** A person's own browser session (its own cookies), signed in through the form. */
  async function signedIn(name: keyof typeof PEOPLE): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${address}/console/`);
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Token').fill(PEOPLE[name]);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: /Waiting for a person/ }).waitFor();
    return page;
  }
  const card = (page: Page, invitationId: string) => page.locator(`article[data-invitation="${invitationId}"]`);
  const shot = async (page: Page, name: string) => {
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    expect(statSync(join(shots, `${name}.png`)).size).toBeGreaterThan(5_000);
  };

  it('signs in, shows invitations as the sandbox sends them, declines one with a reason, and shows Lexamica’s answer', async () => {
    const signIn = await browser.newPage({ viewport: { width: 1280, height: 700 } });
    await signIn.goto(`${address}/console/`);
    await signIn.getByLabel('Token').fill('not-a-token');
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => signIn.getByRole('alert').textContent()).toContain('do not match');
    await shot(signIn, 'sign-in');

    const jane = await signedIn('jane');
    await expect.poll(() => jane.getByText('Nothing waits for a person right now').count()).toBe(1);
    const [first, second] = stack.env.sandbox.scenario.generate(2).map((r) => r.doc._id as string);
    // No reload: the server-sent events bring them in.
    await card(jane, first!).waitFor({ timeout: 20_000 });
    await card(jane, second!).waitFor({ timeout: 20_000 });
    const text = (await card(jane, first!).textContent()) ?? '';
    expect(text).toMatch(/[0-9]{1,3} d [0-9]{1,2} h left/);
    expect(text).toContain('No rule matched, so the default applies: a person decides');
    await shot(jane, 'waiting');

    await card(jane, first!).getByRole('button', { name: 'Decline…' }).click();
    await card(jane, first!).getByRole('button', { name: 'Confirm decline' }).click();
    await expect.poll(() => card(jane, first!).getByRole('alert').textContent()).toContain('Choose a reason');
    await card(jane, first!).getByLabel('Reason (required)').selectOption('Conflict of interest');
    await card(jane, first!).getByLabel('Details for Lexamica (optional)').fill('we act for the other driver');
    await shot(jane, 'decide');
    await card(jane, first!).getByRole('button', { name: 'Confirm decline' }).click();

    const result = jane.locator(`p.result[data-invitation="${first}"]`);
    await expect.poll(() => result.textContent(), { timeout: 20_000 }).toContain('Lexamica answered OK');
    expect(await result.textContent()).toContain('Your decline (Conflict of interest: we act for the other driver)');
    const actions = (await (await fetch(`${stack.env.baseUrl}/__sandbox/actions`)).json()) as { data: Array<{ invitationId: string; action: string; outcome: string }> };
    expect(actions.data.filter((a) => a.invitationId === first)).toEqual([expect.objectContaining({ action: 'decline', outcome: 'ok' })]);
    const stats = (await (await fetch(`${stack.env.baseUrl}/__sandbox/stats`)).json()) as { invitations: { byStatus: Record<string, number> }; actions: { ok: number; duplicate: number } };
    expect(stats.invitations.byStatus.declined).toBe(1);
    expect(stats.actions.duplicate).toBe(0);
    expect((await stack.processor.ledger.get(first!))?.decision).toMatchObject({ by: 'jane', reason: 'Conflict of interest: we act for the other driver' });

    await jane.getByRole('button', { name: 'Activity' }).click();
    await jane.getByRole('cell', { name: /decline sent; Lexamica answered OK/ }).first().waitFor();
    await shot(jane, 'activity');
    await jane.getByRole('button', { name: 'Rules: what if' }).click();
    await jane.getByRole('button', { name: 'Try these rules' }).click();
    await jane.getByText(/would be decided differently/).waitFor();
    await shot(jane, 'what-if');
  }, 120_000);

  it('offers a viewer no decide buttons', async () => {
    const vera = await signedIn('vera');
    await vera.locator('article.card').first().waitFor();
    expect(await vera.getByRole('button', { name: /Accept|Decline|evaluate/ }).count()).toBe(0);
    expect(await vera.getByText('deciding needs the intake role').count()).toBe(1);
    await shot(vera, 'viewer');
  }, 60_000);

  it('shows a person that another person’s session decided the invitation they are looking at', async () => {
    const sam = await signedIn('sam');
    const jane = await signedIn('jane');
    const id = await sam.locator('article.card').first().getAttribute('data-invitation');
    await card(sam, id!).getByRole('button', { name: 'Accept…' }).click();
    await card(jane, id!).getByRole('button', { name: 'Accept…' }).click();
    await card(jane, id!).getByRole('button', { name: 'Confirm accept' }).click();
    await expect.poll(() => jane.locator(`p.result[data-invitation="${id}"]`).textContent(), { timeout: 20_000 }).toContain('Lexamica answered OK');
    // Sam's page learns it from the event stream: the card goes, and the line says who decided.
    const line = sam.locator(`p.result[data-invitation="${id}"]`);
    await expect.poll(() => line.textContent(), { timeout: 20_000 }).toContain('Already decided by jane: accept');
    expect(await card(sam, id!).count()).toBe(0);
    await shot(sam, 'decided-elsewhere');
  }, 60_000);
});
