// Search and scroll in the web UI over 100,000 messages, beside the same over 1,000 messages
// measured in the same run (Debian's Chromium, headless, against a release `lull serve`).
// Run through scripts/bench.sh (LULL_BIN points at the release binary).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LULL, lull, lullEnv, openBrowser } from './harness.mjs';

const WORDS = ['invoice', 'mockup', 'deadline', 'review', 'call', 'meeting', 'draft', 'budget', 'logo', 'feedback', 'contract', 'release', 'facture', 'réunion', 'maquette', 'livrable', 'question', 'tomorrow', 'launch', 'pricing'];
// A 32-bit LCG in integer arithmetic (a float product loses its low bits, and the words stop
// varying); its high bits pick the word, since the low bits of an LCG cycle quickly.
let seed = 42;
const rnd = (n) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) % n;
const words = (n) => Array.from({ length: n }, () => WORDS[rnd(WORDS.length)]).join(' ');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function serve(n) {
  const dir = mkdtempSync(join(tmpdir(), 'lull-bench-'));
  lull(dir, 'schedule', 'set', '--tz', 'Europe/Paris');
  for (const [i, d] of ['acme.example', 'globex.example', 'initech.example'].entries()) lull(dir, 'client', 'add', `Client ${i}`, '--match', `domain:${d}`);
  const token = JSON.parse(lull(dir, 'channel', 'add', 'webhook', 'bench', '--json')).token;
  const child = spawn(LULL, ['--data-dir', dir, 'serve', '--listen', '127.0.0.1:0'], { env: lullEnv({ LULL_LOG: 'error' }), stdio: ['ignore', 'pipe', 'inherit'] });
  let url;
  for await (const line of createInterface({ input: child.stdout })) {
    url ??= /Lull is running at (\S+)/.exec(line)?.[1];
    if (url) break;
  }
  const link = `${url}#token=${readFileSync(join(dir, 'api-token'), 'utf8').trim()}`;
  const t = performance.now();
  let next = 0;
  const domains = ['acme.example', 'globex.example', 'initech.example', 'unknown.example'];
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < n) {
        const i = next++;
        const r = await fetch(`${url}hooks/bench`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ id: String(i), from: `p${i % 50}@${domains[i % 4]}`, title: `${words(5)} project${i % 500}`, body: words(40) }),
        });
        if (r.status !== 200) throw new Error(`webhook ${r.status}`);
      }
    }),
  );
  const ingest = (performance.now() - t) / 1000;
  return { url, link, ingest, stop: async () => { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); rmSync(dir, { recursive: true, force: true }); } };
}

async function measure(browser, server) {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  await page.goto(server.link);
  await page.locator('.shell[data-settled=true]').waitFor();
  const r = page.getByTestId('reassurance');
  if (await r.isVisible()) await r.getByRole('button').first().click();
  await page.getByRole('tab', { name: 'All' }).click();
  await page.locator('[data-testid=message-list][data-view=all][aria-busy=false]').waitFor();
  await page.getByTestId('message').first().waitFor();

  // Search: the API round trip from the page, then the whole path as the user sees it
  // (typing to a redrawn list, the 200 ms typing pause excluded).
  // Common words (most messages match) and project numbers (1 message in 500).
  const queries = ['project17', 'facture project250', 'project3', 'invoice', 'mockup launch', 'reunion', 'pricing review budget', 'nomatchword'];
  const apiTimes = await page.evaluate(async (queries) => {
    const token = localStorage.getItem('lull.token');
    const out = [];
    for (let round = 0; round < 3; round++)
      for (const q of queries) {
        const t = performance.now();
        await (await fetch('./api', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ method: 'inbox', params: { held_only: false, client: null, search: q, limit: 200, before: null, record_check: false } }) })).json();
        out.push(performance.now() - t);
      }
    return out;
  }, queries);
  const uiTimes = [];
  const box = page.getByPlaceholder('Search senders, titles and text');
  const ids = () => page.evaluate(() => [...document.querySelectorAll('[data-testid=message]')].slice(0, 8).map((m) => m.dataset.id).join(','));
  for (const q of queries.slice(0, 4)) {
    await box.fill('');
    await page.locator('[data-testid=message-list][aria-busy=false]').waitFor();
    await page.waitForTimeout(300);
    const before = await ids();
    if (process.env.DEBUG) console.error('query', q, 'before', before);
    // Record the list's busy flag as it flips: the search is done when it went up and down.
    await page.evaluate(() => {
      const list = document.querySelector('[data-testid=message-list]');
      window.__busy = [];
      window.__observer?.disconnect();
      window.__observer = new MutationObserver(() => window.__busy.push(list.getAttribute('aria-busy')));
      window.__observer.observe(list, { attributes: true, attributeFilter: ['aria-busy'] });
    });
    const t = performance.now();
    await box.fill(q);
    await page.waitForFunction(() => window.__busy.includes('true') && window.__busy.at(-1) === 'false', null, { timeout: 60000, polling: 5 });
    uiTimes.push(performance.now() - t - 200);
    if (process.env.DEBUG) console.error('query', q, 'done', await ids());
  }
  await box.fill('');
  await page.locator('[data-testid=message-list][aria-busy=false]').waitFor();

  // Scroll: 240 frames, 1,500 px a frame, pages loading as the end nears.
  const scroll = await page.evaluate(async () => {
    const viewport = document.querySelector('[data-testid=message-list] .viewport');
    const frames = [];
    let last = performance.now();
    for (let i = 0; i < 240; i++) {
      viewport.scrollTop += 1500;
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      frames.push(now - last);
      last = now;
    }
    return { frames, rows: viewport.scrollHeight / 52, rendered: document.querySelectorAll('[data-testid=message]').length };
  });
  await page.context().close();
  return { apiTimes, uiTimes, scroll };
}

const browser = await openBrowser();
const results = [];
const sizes = (process.env.SIZES ?? '1000,100000').split(',').map(Number);
for (const n of sizes) {
  const server = await serve(n);
  try {
    results.push({ n, ingest: server.ingest, ...(await measure(browser, server)) });
  } finally {
    await server.stop();
  }
}
await browser.close();
const [small, big] = results;
const fmt = (x) => `${x.toFixed(1)} ms`;
console.log('## Web UI: search and scroll (headless Chromium, release lull serve)\n');
console.log('| messages | search, API p50 | search, typed to redrawn p50 | scroll frame p50 / p95 | rows loaded by the scroll’s end | rows in DOM | ingest (webhooks, 64 at a time) |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(`| ${r.n.toLocaleString('en')} | ${fmt(median(r.apiTimes))} | ${fmt(median(r.uiTimes))} | ${fmt(median(r.scroll.frames))} / ${fmt(pct(r.scroll.frames, 0.95))} | ${Math.round(r.scroll.rows).toLocaleString('en')} | ${r.scroll.rendered} | ${(r.n / r.ingest).toFixed(0)}/s |`);
}
if (big) console.log(`\nratios 100,000 / 1,000: search API ${(median(big.apiTimes) / median(small.apiTimes)).toFixed(2)}, scroll p95 ${(pct(big.scroll.frames, 0.95) / pct(small.scroll.frames, 0.95)).toFixed(2)}`);
