// End-to-end harness: a real `lull serve` on a seeded temporary data directory, and Debian's
// Chromium driven by playwright-core. Console errors and CSP violations fail the tests.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
export const LULL = process.env.LULL_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'debug', 'lull');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** The environment `lull` runs in here: English (the tests read its words), quiet logs. */
export function lullEnv(extra = {}) {
  const env = { ...process.env, LANG: 'C.UTF-8', ...extra };
  delete env.LC_ALL;
  delete env.LC_MESSAGES;
  return env;
}

export function lull(dir, ...args) {
  return execFileSync(LULL, ['--data-dir', dir, ...args], { encoding: 'utf8', env: lullEnv({ LULL_LOG: 'warn' }) });
}

/** A seeded Lull served on an ephemeral port; `stop()` ends it and removes its data. */
export async function startLull({ demo = true, tz = 'Europe/Paris' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lull-e2e-'));
  if (tz) lull(dir, 'schedule', 'set', '--tz', tz);
  if (demo) lull(dir, 'demo');
  const child = spawn(LULL, ['--data-dir', dir, 'serve', '--listen', '127.0.0.1:0'], {
    env: lullEnv({ LULL_LOG: 'error', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  let url;
  for await (const line of lines) {
    url ??= /Lull is running at (\S+)/.exec(line)?.[1];
    if (url) break;
  }
  // The banner shows the token only on a terminal; the tests read it where it is kept.
  const token = readFileSync(join(dir, 'api-token'), 'utf8').trim();
  const link = `${url}#token=${token}`;
  return {
    dir,
    url,
    link,
    token,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function openBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

/** For a test file: one seeded Lull and one browser, started before its tests and stopped
 * after; `fresh()` opens a page past the reassurance, `visit()` goes to a screen. */
export function useLull(options) {
  const shared = {};
  before(async () => {
    shared.server = await startLull(options);
    shared.browser = await openBrowser();
  });
  after(async () => {
    await shared.browser?.close();
    await shared.server?.stop();
  });
  return {
    get server() {
      return shared.server;
    },
    async fresh(pageOptions) {
      const s = await openLull(shared.browser, shared.server.link, pageOptions);
      await pastReassurance(s.page);
      return s;
    },
    visit: (page, screen) => page.goto(`${shared.server.url}#/${screen}`),
  };
}

/** A page on the Lull UI that records console errors and CSP violations. */
export async function openLull(browser, link, { locale = 'en-GB', timezoneId = undefined } = {}) {
  const context = await browser.newContext({ locale, timezoneId, viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy|Refused to/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(link);
  await page.locator('.shell[data-settled=true]').waitFor();
  return { page, problems, context };
}

/** The page does not scroll sideways. */
export async function fits(page, what) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
  assert.ok(scroll <= width, `${what}: the page is ${scroll} px wide in a ${width} px window`);
}

/** Opening Lull during focus answers with reassurance first: go on past it to the app. */
export async function pastReassurance(page) {
  const reassurance = page.getByTestId('reassurance');
  if (await reassurance.isVisible()) await reassurance.getByRole('button').first().click();
}

export async function postWebhook(url, channel, token, body) {
  const r = await fetch(`${url}hooks/${channel}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

export async function api(lullServer, request) {
  const r = await fetch(`${lullServer.url}api`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${lullServer.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(request),
  });
  return r.json();
}
