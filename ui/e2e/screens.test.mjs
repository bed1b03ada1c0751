// The screens a freelancer lives in, as one meets them in the first hour: at 1280, 1024 and
// 800 px wide, in English and French, on the demo week. Each test is a flaw found by trying
// the UI as a new user, kept so it cannot come back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, fits, openBrowser, openLull, pastReassurance, postWebhook, startLull } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startLull();
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const WIDTHS = [
  [1280, 860],
  [1024, 700],
  [800, 600],
];

async function fresh(options) {
  const s = await openLull(browser, server.link, options);
  await pastReassurance(s.page);
  return s;
}


describe('a digest is where held messages are read', () => {
  it('reads well at every width and opens its messages with their text, reason and actions', async () => {
    const { page, problems, context } = await fresh();
    for (const [width, height] of WIDTHS) {
      await page.setViewportSize({ width, height });
      await page.goto(`${server.url}#/digests`);
      const first = page.getByTestId('digest-message').first();
      await first.waitFor();
      await fits(page, `digests at ${width}`);
      // A title gets a line, not a letter per line.
      const title = await first.locator('.title').boundingBox();
      assert.ok(title && title.width > 250 && title.height < 60, `a title at ${width} px is ${JSON.stringify(title)}`);
      await first.click();
      const detail = page.getByTestId('digest-detail').getByTestId('detail');
      await detail.waitFor();
      assert.match(await detail.getByTestId('why').innerText(), /^Why/);
      assert.ok((await detail.locator('.body').innerText()).length > 0, 'the text is shown');
      await fits(page, `an opened digest message at ${width}`);
      const box = await detail.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= width, `the opened message is inside the window at ${width}`);
      await first.click();
      await detail.waitFor({ state: 'detached' });
    }
    // Archived from the digest: marked there, and still archived after a reload. The digest is
    // named in the address, so one the demo's schedule releases meanwhile does not replace it.
    await page.setViewportSize({ width: 1024, height: 700 });
    const shown = await page.locator('[data-testid=digest-list] a[aria-current=true]').getAttribute('href');
    await page.goto(`${server.url}${shown}`);
    const line = page.getByTestId('digest-message').nth(1);
    const id = await line.getAttribute('data-id');
    await line.click();
    await page.getByTestId('digest-detail').getByTestId('archive').click();
    const archived = page.locator(`[data-testid=digest-message][data-id="${id}"] .badge`, { hasText: 'Archive' });
    await archived.waitFor();
    // A reload during focus opens with the reassurance first (this step failed only when CI
    // ran in the demo's focus hours).
    await page.reload();
    await page.locator('.shell[data-settled=true]').waitFor();
    await pastReassurance(page);
    await archived.waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe('narrow windows', () => {
  it('every screen works at 800×600 without scrolling sideways', async () => {
    const { page, problems, context } = await fresh({ locale: 'fr-FR' });
    await page.setViewportSize({ width: 800, height: 600 });
    for (const screen of ['inbox', 'digests', 'focus', 'clients', 'channels', 'stats', 'settings']) {
      await page.goto(`${server.url}#/${screen}`);
      await page.locator('.screen').waitFor();
      await page.waitForTimeout(400);
      await fits(page, screen);
    }
    // The screens' links take the top, not 190 px of the width.
    const nav = await page.locator('nav').boundingBox();
    assert.ok(nav && nav.height < 80 && nav.width >= 780, `the navigation at 800 px: ${JSON.stringify(nav)}`);
    // An inbox row keeps its time and its sender.
    await page.goto(`${server.url}#/inbox`);
    await page.getByRole('tab', { name: 'Tout' }).click();
    const meta = page.getByTestId('message').first().locator('.meta');
    await meta.waitFor();
    const clipped = await meta.evaluate((el) => el.scrollWidth > el.clientWidth + 1);
    assert.equal(clipped, false, `the first row's date and sender are cut: ${await meta.innerText()}`);
    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe('the reassurance shown during focus', () => {
  it('lets every link through', async () => {
    const { page, problems, context } = await openLull(browser, server.link);
    // A focus session, then a fresh page: it opens with the reassurance.
    await api(server, { method: 'focus_start', params: { minutes: 50 } });
    await page.reload();
    await page.locator('.shell[data-settled=true]').waitFor();
    await page.getByTestId('reassurance').waitFor();
    await page.locator('nav a[href="#/clients"]').click();
    await page.getByTestId('clients').waitFor();
    await page.goto(`${server.url}#/inbox`);
    await page.reload();
    await page.getByTestId('reassurance').waitFor();
    await page.getByTestId('reassurance').getByRole('button', { name: 'Back to focus' }).click();
    await page.getByTestId('week-grid').waitFor();
    await api(server, { method: 'focus_stop' });
    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe('one truth for what waits', () => {
  it('the sidebar, the top bar and the list agree through snoozes and archives, and snoozed messages have a view', async () => {
    const own = await startLull();
    try {
      const { page, problems, context } = await openLull(browser, own.link);
      await pastReassurance(page);
      const waitingList = async () => {
        await page.getByRole('tab', { name: 'Waiting' }).click();
        const list = page.locator('[data-testid=message-list][data-view=held][aria-busy=false]');
        await list.waitFor();
        return Number(await list.getAttribute('data-count'));
      };
      const sidebar = async () => Number((await page.locator('nav a[href="#/inbox"] .count').innerText()).trim());
      // The demo's count, the sidebar's and the list's are one number.
      const before = await waitingList();
      assert.ok(before > 3, `the demo has messages waiting (${before})`);
      assert.equal(await sidebar(), before);
      // One snooze (tomorrow 09:00) and one archive, from the opened message.
      await page.getByTestId('message').first().click();
      await page.getByTestId('snooze').locator('[data-kind=tomorrow]').click();
      await page.getByTestId('message').first().click();
      await page.getByTestId('detail').getByTestId('archive').click();
      await page.waitForFunction((n) => document.querySelector('nav a[href="#/inbox"] .count')?.textContent?.trim() === String(n), before - 2);
      assert.equal(await waitingList(), before - 2);
      // The snoozed one is in Snoozed and in All (marked), not lost.
      await page.getByRole('tab', { name: 'Snoozed' }).click();
      const snoozed = page.locator('[data-testid=message-list][data-view=snoozed][aria-busy=false]');
      await snoozed.waitFor();
      assert.equal(await snoozed.getAttribute('data-count'), '1');
      await page.getByRole('tab', { name: 'All' }).click();
      await page.getByTestId('snoozed').first().waitFor();
      // `lull status` says the same, and the digest released now leaves the archived one out.
      const status = await api(own, { method: 'status' });
      assert.equal(status.data.held, before - 2);
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await own.stop();
    }
  });
});

describe('clients first', () => {
  it('Waiting and a digest show clients before unknown people, platforms by their name, then the rest', async () => {
    const { page, problems, context } = await fresh();
    // Right after a digest nothing from a client may be waiting (the demo follows the clock):
    // a client writes during a focus session, so something is.
    const call = (method, params) => api(server, params === undefined ? { method } : { method, params });
    const hook = (await call('channel_add', { kind: 'webhook', name: 'clients-first' })).data.token;
    await call('focus_start', { minutes: 20 });
    const { body: held } = await postWebhook(server.url, 'clients-first', hook, { id: 'cf1', from: 'team@umbrella.example', title: 'Draft for review' });
    assert.equal(held.decision, 'held', JSON.stringify(held));
    await call('focus_stop');
    await page.goto(`${server.url}#/inbox`);
    await page.getByRole('tab', { name: 'Waiting' }).click();
    await page.locator('[data-testid=message-list][data-view=held][aria-busy=false]').waitFor();
    const order = { client: 0, direct: 1, platform: 2, other: 3 };
    const kinds = async (scope) => (await scope.getByTestId('group').evaluateAll((els) => els.map((e) => [e.dataset.kind, e.textContent.trim()])));
    const waiting = await kinds(page.getByTestId('message-list'));
    assert.equal(waiting[0]?.[0], 'client', `the first group is a client: ${JSON.stringify(waiting)}`);
    for (let i = 1; i < waiting.length; i++) assert.ok(order[waiting[i - 1][0]] <= order[waiting[i][0]], JSON.stringify(waiting));
    assert.ok(!waiting.some(([, label]) => /^Unknown\b/.test(label)), `nothing is labelled Unknown: ${JSON.stringify(waiting)}`);
    await page.goto(`${server.url}#/digests`);
    await page.getByTestId('digest-detail').getByTestId('group').first().waitFor();
    const digest = await kinds(page.getByTestId('digest-detail'));
    assert.equal(digest[0]?.[0], 'client', JSON.stringify(digest));
    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe('interruptions in the browser', () => {
  it('an urgent message shows in the top bar and the tab title, and a failing desktop says so', async () => {
    const { page, problems, context } = await fresh();
    await page.goto(`${server.url}#/digests`);
    const call = (method, params) => api(server, params === undefined ? { method } : { method, params });
    const hook = (await call('channel_add', { kind: 'webhook', name: 'alerts' })).data.token;
    await call('client_add', { name: 'Zeta', tz: 'Europe/Paris', tier: 'vip', mode: 'normal', bypass_quota: 5, matches: ['domain:zeta.example'], live: [] });
    // Focus now, so only an urgent message from a VIP gets through.
    await call('focus_start', { minutes: 25 });
    const { body: answer } = await postWebhook(server.url, 'alerts', hook, { id: 'z1', from: 'ops@zeta.example', title: 'URGENT prod is down <b>now</b>' });
    assert.equal(answer.decision, 'bypass', JSON.stringify(answer));
    const banner = page.getByTestId('interruption').first();
    await banner.waitFor();
    assert.match(await banner.innerText(), /Zeta[\s\S]*URGENT prod is down <b>now<\/b>/);
    await page.waitForFunction(() => document.title.startsWith('(1) Zeta: URGENT prod is down <b>now</b>'));
    // This Lull cannot reach a notification service: the page says so, with the way out.
    const warning = page.getByTestId('notify-error');
    await warning.waitFor();
    assert.match(await warning.innerText(), /Desktop notifications cannot be shown/);
    await page.getByTestId('interruptions').getByRole('button', { name: 'Dismiss' }).click();
    await page.waitForFunction(() => document.title === 'Lull');
    await call('focus_stop');
    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe('a first run that sets you up', () => {
  it('is a checklist: the time zone from the browser, then the week, clients and a channel', async () => {
    const empty = await startLull({ demo: false, tz: null });
    try {
      const { page, problems, context } = await openLull(browser, empty.link, { timezoneId: 'America/Chicago' });
      await pastReassurance(page);
      const checklist = page.getByTestId('first-run');
      await checklist.waitFor();
      assert.equal(await page.getByTestId('step-tz').getAttribute('data-done'), 'false');
      await page.getByTestId('use-browser-tz').click();
      await page.locator('[data-testid=step-tz][data-done=true]').waitFor();
      const shown = await api(empty, { method: 'schedule_show' });
      assert.equal(shown.data.tz, 'America/Chicago');
      // Each step leads where it is done.
      for (const [href, marker] of [['#/focus', 'week-grid'], ['#/clients', null], ['#/channels', null]]) {
        await page.goto(`${empty.url}#/inbox`);
        await checklist.locator(`a[href="${href}"]`).click();
        await page.waitForFunction((h) => location.hash === h, href);
        if (marker) await page.getByTestId(marker).waitFor();
      }
      // The demo is offered apart, saying what it does.
      await page.goto(`${empty.url}#/inbox`);
      assert.match(await checklist.innerText(), /only runs on an empty data directory/);
      for (const width of [1024, 800]) {
        await page.setViewportSize({ width, height: 700 });
        await fits(page, `the first run at ${width}`);
      }
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await empty.stop();
    }
  });
});

describe('stats that compare like with like', () => {
  it('opens on the last complete week, compares a week in progress with the same part of the last, and never goes ahead', async () => {
    const { page, problems, context } = await fresh();
    await page.goto(`${server.url}#/stats`);
    await page.getByTestId('tile-interruptions').waitFor();
    // The last complete week, whole: no cut, and the week after it can be opened.
    assert.equal(await page.getByTestId('compared-until').count(), 0);
    assert.equal(await page.getByTestId('next-week').isDisabled(), false);
    // Each tile says what it counts.
    assert.match(await page.getByTestId('tile-interruptions').innerText(), /\d+ live, \d+ urgent, \d+ digests/);
    assert.match(await page.getByTestId('tile-stretch').innerText(), /\d\d:\d\d–\d\d:\d\d/);
    // This week so far: compared with the same part of last week, and nothing after it.
    await page.getByTestId('this-week').click();
    await page.getByTestId('compared-until').waitFor();
    assert.match(await page.getByTestId('compared-until').innerText(), /same part of the week/);
    assert.equal(await page.getByTestId('next-week').isDisabled(), true);
    const future = await api(server, { method: 'stats_week', params: { week: '2999-W01' } });
    assert.equal(future.error?.field, 'week', JSON.stringify(future));
    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe('errors at the field, in the user’s language', () => {
  it('stay next to their field in French, in the form’s words, and a channel name is made for you', async () => {
    const { page, problems, context } = await fresh({ locale: 'fr-FR' });
    // An unknown time zone on Focus: said at the preview, no page error.
    await page.goto(`${server.url}#/focus`);
    await page.getByTestId('week-grid').waitFor();
    const tz = page.locator('input[data-field=tz]');
    await tz.fill('Mars/Olympus');
    await page.getByTestId('preview-error').waitFor();
    assert.match(await page.getByTestId('preview-error').innerText(), /« Mars\/Olympus » n’est pas un fuseau horaire/);
    await tz.fill('Europe/Paris');
    await page.getByTestId('preview-answer').waitFor();
    // "Add digest time" with nothing in it says so, at the field.
    await page.locator('input[data-field=digests]').fill('');
    await page.getByRole('button', { name: /Ajouter une heure/ }).click();
    const note = page.getByTestId('field-error');
    await note.waitFor();
    assert.match(await note.innerText(), /Choisissez d’abord une heure/);
    // A client's live window the engine refuses: at its field, in French, without the command line's flags.
    await page.goto(`${server.url}#/clients`);
    await page.getByRole('button', { name: 'Ajouter un client' }).click();
    const form = page.getByTestId('client-form');
    await form.locator('[data-field~=name]').fill('Nouveau');
    await form.locator('[data-field~=tz]').selectOption('Europe/Paris');
    await form.locator('[data-field~=live]').fill('tue 25:00-26:00');
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    const error = form.getByTestId('field-error');
    await error.waitFor();
    const said = await error.innerText();
    assert.doesNotMatch(said, /--live|lull client/, said);
    assert.equal(await form.locator('[data-field~=live]').getAttribute('aria-invalid'), 'true');
    await page.waitForTimeout(8500);
    assert.equal(await error.isVisible(), true, 'the error is still there after 8 s');
    // "Acme Hooks" becomes acme-hooks.
    await page.goto(`${server.url}#/channels`);
    const name = page.locator('input[data-field=name]').first();
    await name.fill('Acme Hooks');
    assert.match(await page.getByTestId('name-as').innerText(), /acme-hooks/);
    await page.getByRole('button', { name: 'Ajouter le canal' }).click();
    await page.locator('[data-testid=channel][data-name=acme-hooks]').waitFor();
    // The refused client is a 400 the browser logs; nothing else may be.
    assert.deepEqual(problems.filter((p) => !/status of 400/.test(p)), []);
    await context.close();
  });
});

describe('the client form', () => {
  it('says how to recognise a client on every channel, picks a zone from a list, and shows live windows in both times', async () => {
    const { page, problems, context } = await fresh();
    await page.goto(`${server.url}#/clients`);
    // Globex's "mon,wed 09:00-10:00@client" (New York) reads in the user's time (Paris) too.
    const table = page.getByTestId('clients');
    await table.waitFor();
    assert.match(await table.innerText(), /mon,wed 09:00-10:00@client · 15:00–16:00 your time/);
    await page.getByRole('button', { name: 'Add a client' }).click();
    const form = page.getByTestId('client-form');
    const help = await form.innerText();
    for (const kind of ['email:', 'domain:', 'channel:', 'feed:', 'app:WhatsApp:Acme', 'app:Slack']) assert.ok(help.includes(kind), `the help names ${kind}`);
    assert.equal(await form.getByTestId('client-tz').evaluate((el) => el.tagName), 'SELECT');
    await form.getByTestId('client-tz').selectOption('America/New_York');
    await form.locator('[data-field~=live]').fill('tue 14:00-15:00');
    assert.match(await form.getByTestId('live-both').innerText(), /08:00–09:00 for/);
    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe('French, all of it', () => {
  it('has no English left in reasons, key labels or the word for a digest', async () => {
    const { page, problems, context } = await fresh({ locale: 'fr-FR' });
    for (const screen of ['inbox', 'digests', 'focus', 'clients', 'channels', 'stats', 'settings']) {
      await page.goto(`${server.url}#/${screen}`);
      await page.locator('.screen').waitFor();
      await page.waitForTimeout(500);
      const chrome = await page.evaluate(() => {
        const clone = document.body.cloneNode(true);
        clone.querySelectorAll('.message, .messages, [data-testid=detail], code, .title, .mono, select, textarea').forEach((n) => n.remove());
        return clone.innerText;
      });
      assert.doesNotMatch(chrome, /\bdigests?\b/i, `${screen} says "digest"`);
      assert.doesNotMatch(chrome, /\bEnter\b|Lull's JSON format/, `${screen} has English left`);
      // French puts a space before a colon ("Dernier message : …").
      assert.doesNotMatch(chrome.replace(/\d\d:\d\d/g, ''), /[A-Za-zÀ-ÿ]: /, `${screen} has a colon without its space`);
    }
    // A reason names the days in French.
    await page.goto(`${server.url}#/digests`);
    const line = page.getByTestId('digest-message').first();
    await line.click();
    const why = await page.getByTestId('why').innerText();
    assert.doesNotMatch(why, /\b(mon|tue|wed|thu|fri|sat|sun)\b/, why);
    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe('details', () => {
  it('times are 24 h, working hours stand out from the background, and an urgent message after hours is not said to break through focus', async () => {
    const { page, problems, context } = await fresh({ locale: 'en-US' });
    await page.goto(`${server.url}#/focus`);
    await page.getByTestId('week-grid').waitFor();
    for (const input of await page.locator('input[inputmode=numeric]').all()) {
      assert.equal(await input.getAttribute('type'), 'text');
      assert.doesNotMatch((await input.inputValue()) || (await input.getAttribute('placeholder')) || '', /AM|PM/);
    }
    // Working-hours cells differ from the page's background (not a barely-there tint).
    const [cell, page_] = await page.evaluate(() => {
      const rgb = (s) => (s.match(/\d+/g) ?? []).slice(0, 3).map(Number);
      const c = document.querySelector('.cell.work:not(.focus)');
      return [rgb(getComputedStyle(c).backgroundColor), rgb(getComputedStyle(document.body).backgroundColor)];
    });
    const distance = Math.hypot(cell[0] - page_[0], cell[1] - page_[1], cell[2] - page_[2]);
    assert.ok(distance > 25, `working hours ${cell} against the page ${page_}: ${distance.toFixed(1)}`);
    // The engine's explanation of an urgent VIP message at 21:00 on a weekday, no focus on.
    const r = await api(server, { method: 'explain', params: { from: 'jane@acme.example', at: '2026-11-24T20:00:00Z', title: 'URGENT prod down', body: '', category: null, channel: null, client: null, schedule: null } });
    assert.equal(r.data.decision, 'bypass', JSON.stringify(r));
    assert.match(r.data.reason, /outside working hours/);
    assert.doesNotMatch(r.data.reason, /focus/);
    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe('the demo, removable', () => {
  it('goes into an empty Lull from the first run, and Settings removes it in one click, keeping what you added', async () => {
    const empty = await startLull({ demo: false });
    try {
      const { page, problems, context } = await openLull(browser, empty.link);
      await pastReassurance(page);
      await page.getByTestId('demo').click();
      await page.getByTestId('message').first().waitFor();
      // The user adds a channel of their own.
      await api(empty, { method: 'channel_add', params: { kind: 'webhook', name: 'mine' } });
      await page.goto(`${empty.url}#/settings`);
      page.once('dialog', (d) => d.accept());
      await page.getByTestId('remove-demo').click();
      await page.getByTestId('demo-here').waitFor({ state: 'detached' });
      await page.goto(`${empty.url}#/channels`);
      await page.locator('[data-testid=channel][data-name=mine]').waitFor();
      assert.equal(await page.getByTestId('channel').count(), 1);
      // Back to a first run (nothing left but the user's channel, ticked).
      await page.goto(`${empty.url}#/inbox`);
      await page.getByTestId('first-run').waitFor();
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await empty.stop();
    }
  });
});
