// Hostile content: several hundred hostile strings (see hostile.mjs) sent as the sender, title,
// body and link of messages through a real webhook, then shown in the inbox, a digest (every
// message opened), the statistics and the focus screen, in headless Chromium at 1280 and 800 px.
// Nothing may run (no `__pwned` call, no CSP report, no console error), nothing may be fetched
// from anywhere but Lull, text is shown as it was sent, and no page scrolls sideways.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, fits, openBrowser, openLull, pastReassurance, postWebhook, startLull } from './harness.mjs';
import { hostileStrings } from './hostile.mjs';

let server;
let browser;
const sent = new Map(); // message id (as the webhook named it) → what was sent

/** The first `n` code points, so a cut never splits an emoji into a lone surrogate. */
const cut = (s, n) => Array.from(s).slice(0, n).join('');
const loneSurrogate = (s) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

before(async () => {
  server = await startLull({ demo: false });
  browser = await openBrowser();
  const channel = await api(server, { method: 'channel_add', params: { kind: 'webhook', name: 'hostile' } });
  const token = channel.data.token;
  // Held during focus, so the digest released afterwards holds every one of them.
  await api(server, { method: 'focus_start', params: { minutes: 50 } });
  const all = hostileStrings();
  for (const [i, s] of all.entries()) {
    const message = { id: `h-${i}`, from: cut(s, 400), title: cut(s, 900), body: s, url: s.length < 4000 ? s : undefined };
    const r = await postWebhook(server.url, 'hostile', token, message);
    if (loneSurrogate(s)) {
      // Not valid Unicode: refused whole, with a reason the sender can act on.
      assert.equal(r.status, 400, `a lone surrogate is refused: ${JSON.stringify(r.body)}`);
      assert.match(r.body.error.message, /JSON/);
      continue;
    }
    assert.ok(r.status >= 200 && r.status < 300, `message ${i} was taken: ${r.status} ${JSON.stringify(r.body)}`);
    sent.set(message.id, message);
  }
  assert.ok(sent.size >= 400, `${sent.size} hostile messages taken`);
  const digest = await api(server, { method: 'digest_now' });
  assert.ok(digest.data, 'a digest was released');
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A page that counts anything that ran or was fetched. */
async function watched() {
  const s = await openLull(browser, server.link);
  const ran = [];
  const fetched = [];
  await s.page.exposeFunction('__pwnedReport', (n) => ran.push(n));
  await s.page.addInitScript(() => {
    window.__pwned = (n) => window.__pwnedReport(n);
  });
  s.context.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(server.url) || /pwn/i.test(url)) fetched.push(url);
  });
  await s.page.reload();
  await s.page.locator('.shell[data-settled=true]').waitFor();
  await pastReassurance(s.page);
  // The instruments work: a call, a request the CSP lets through and one it refuses, made on
  // purpose, are all seen, then forgotten.
  await s.page.evaluate(async () => {
    window.__pwned(0);
    await fetch('/pwn-self-check').catch(() => {});
    await fetch('https://pwn.invalid/self-check').catch(() => {});
  });
  await s.page.waitForTimeout(200);
  assert.deepEqual(ran.splice(0), [0], 'a script calling __pwned is seen');
  assert.deepEqual(fetched.splice(0), [`${server.url}pwn-self-check`], 'a request for a hostile address is seen');
  assert.ok(s.problems.splice(0).some((p) => /pwn\.invalid/.test(p)), 'a request the CSP refuses is seen');
  return { ...s, ran, fetched };
}

describe('hostile content', () => {
  it('is shown as text in every view: nothing runs, nothing is fetched, the layout holds', async () => {
    const { page, problems, context, ran, fetched } = await watched();
    const lines = page.getByTestId('digest-message');
    for (const [width, height] of [
      [1280, 860],
      [800, 600],
    ]) {
      await page.setViewportSize({ width, height });
      await page.goto(`${server.url}#/digests`);
      await lines.first().waitFor();
      await fits(page, `the digest at ${width}`);
      // Each line shows its title exactly as sent (as text, not markup).
      const shown = await lines.evaluateAll((els) => els.map((e) => [e.dataset.id, e.querySelector('.title').textContent]));
      assert.equal(shown.length, sent.size, 'every message is in the digest');
      const byTitle = new Set([...sent.values()].map((m) => m.title));
      for (const [, title] of shown) assert.ok(byTitle.has(title), `a title shown differs from every title sent: ${JSON.stringify(title.slice(0, 80))}`);
    }
    // Every message opened, at 1024 px: its text, sender and link in the detail.
    await page.setViewportSize({ width: 1024, height: 700 });
    const count = await lines.count();
    for (let i = 0; i < count; i++) {
      const line = lines.nth(i);
      await line.click();
      const detail = page.getByTestId('digest-detail').getByTestId('detail');
      await detail.waitFor();
      const body = await detail.locator('.body').evaluate((e) => e.textContent);
      assert.ok(body.length > 0, `message ${i} shows its text`);
      assert.equal(await detail.locator('script, img, iframe, svg, object, embed, style, link, meta, form, video, math').count(), 0);
      await line.click();
      await detail.waitFor({ state: 'detached' });
    }
    await fits(page, 'the digest with messages opened');
    if (process.env.LULL_SHOTS) {
      await page.setViewportSize({ width: 800, height: 600 });
      await lines.nth(5).click();
      await page.screenshot({ path: `${process.env.LULL_SHOTS}/hostile-digest-800.png` });
      await lines.nth(5).click();
    }
    // The inbox, scrolled through, and the other screens that show senders.
    for (const screen of ['inbox', 'stats', 'focus', 'clients']) {
      await page.goto(`${server.url}#/${screen}`);
      await page.locator('.screen').waitFor();
      await page.waitForTimeout(300);
      await fits(page, screen);
    }
    await page.goto(`${server.url}#/inbox`);
    await page.getByRole('tab', { name: 'All' }).click();
    const list = page.getByTestId('message-list');
    await page.getByTestId('message').first().waitFor();
    await list.evaluate(async (el) => {
      for (let y = 0; y < el.scrollHeight; y += el.clientHeight) {
        el.scrollTop = y;
        await new Promise((r) => requestAnimationFrame(r));
      }
    });
    assert.deepEqual(ran, [], 'no hostile script ran');
    assert.deepEqual(fetched, [], 'nothing was fetched from anywhere but Lull');
    assert.deepEqual(problems, [], 'no console error and no CSP violation');
    await context.close();
  });
});
