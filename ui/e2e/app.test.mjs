// The web UI end to end: Debian's Chromium (headless) against a real `lull serve` on a seeded
// data directory. Any console error or CSP violation fails the test that caused it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { api, lull, openBrowser, openLull, pastReassurance, postWebhook, startLull } from './harness.mjs';

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

async function fresh(options) {
  const s = await openLull(browser, server.link, options);
  await pastReassurance(s.page);
  return s;
}

async function visit(page, screen) {
  await page.goto(`${server.url}#/${screen}`);
}

/** Switches the inbox to a view and waits until its messages are loaded. */
async function showView(page, name, view) {
  await page.getByRole('tab', { name }).click();
  await page.locator(`[data-testid=message-list][data-view=${view}][aria-busy=false]`).waitFor();
  await page.getByTestId('message').first().waitFor();
}

describe('every screen renders with data', () => {
  it('inbox, digests, focus, clients, channels, stats and settings', async () => {
    const { page, problems, context } = await fresh();
    await visit(page, 'inbox');
    await showView(page, 'All', 'all');
    assert.ok((await page.getByTestId('message').count()) > 10, 'the inbox lists messages');

    await visit(page, 'digests');
    await page.getByTestId('digest-detail').waitFor();
    assert.match(await page.getByTestId('digest-list').innerText(), /digest/);

    await visit(page, 'focus');
    await page.getByTestId('week-grid').waitFor();
    assert.ok((await page.locator('.cell.focus').count()) > 0, 'focus blocks are painted');

    await visit(page, 'clients');
    await page.getByTestId('clients').locator('tbody tr').nth(4).waitFor();
    assert.equal(await page.getByTestId('clients').locator('tbody tr').count(), 5);

    await visit(page, 'channels');
    await page.getByTestId('channel').nth(4).waitFor();
    assert.equal(await page.getByTestId('channel').count(), 5);

    await visit(page, 'settings');
    await page.getByText('Data directory', { exact: true }).waitFor();
    assert.match(await page.locator('dd code').first().innerText(), /lull-e2e-/);
    // The version, and the commit when the build said (scripts/test.sh sets LULL_COMMIT).
    const version = await page.getByTestId('version').innerText();
    const commit = process.env.LULL_COMMIT;
    assert.match(version, commit ? new RegExp(`^Lull \\d+\\.\\d+\\.\\d+ \\(commit ${commit}\\) · schema \\d+$`) : /^Lull \d+\.\d+\.\d+ · schema \d+$/);

    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe('keyboard triage', () => {
  it('moves, opens, marks read, archives and snoozes from the keyboard', async () => {
    const { page, problems, context } = await fresh();
    await visit(page, 'inbox');
    await showView(page, 'All', 'all');
    await page.locator('body').click({ position: { x: 5, y: 400 } });

    await page.keyboard.press('j');
    assert.equal(await page.locator('.message.selected').count(), 1);
    const second = await page.locator('.message.selected').getAttribute('data-id');
    // The title's text, without the badges before it (a reply sent, a platform's clock).
    const secondTitle = await page.locator('.message.selected .title .text').innerText();
    await page.keyboard.press('Enter');
    const detail = page.getByTestId('detail');
    await detail.waitFor();
    assert.equal(await detail.locator('h2').innerText(), secondTitle);
    assert.match(await page.getByTestId('why').innerText(), /^Why:/);

    await page.keyboard.press('a');
    await page.getByText('Archived.').waitFor();
    assert.equal(await page.locator(`[data-testid=message][data-id="${second}"]`).count(), 0);
    await showView(page, 'Archive', 'archived');
    await page.locator(`[data-testid=message][data-id="${second}"]`).waitFor();

    await showView(page, 'All', 'all');
    await page.locator('body').click({ position: { x: 5, y: 400 } });
    const first = await page.locator('.message.selected').getAttribute('data-id');
    await page.keyboard.press('r');
    await page.waitForFunction((id) => !document.querySelector(`[data-id="${id}"]`)?.classList.contains('unread'), first);
    await page.keyboard.press('s');
    await page.getByText(/^Snoozed until /).waitFor();
    // All keeps it, marked with when it comes back.
    await page.locator(`[data-testid=message][data-id="${first}"] [data-testid=snoozed]`).waitFor();

    // `/` jumps to search; search ignores accents.
    await page.keyboard.press('/');
    await page.keyboard.type('evalue');
    await page.waitForFunction(() => {
      const titles = [...document.querySelectorAll('[data-testid=message] .title')].map((t) => t.textContent ?? '');
      return titles.length > 0 && titles.every((t) => /évalué/i.test(t));
    });
    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe('the schedule', () => {
  it('editing it changes the preview and the decisions of new webhook messages', async () => {
    const { page, problems, context } = await fresh();
    // Where "now" falls on the grid, in the user's zone (Europe/Paris).
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date());
    const get = (t) => parts.find((p) => p.type === t)?.value;
    const day = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(get('weekday'));
    const slot = Number(get('hour')) * 2 + (Number(get('minute')) >= 30 ? 1 : 0);
    const slots = [slot, Math.min(slot + 1, 47), Math.min(slot + 2, 47)];
    const cell = (s) => page.locator(`.cell[data-day="${day}"][data-slot="${s}"]`);
    const setCells = async (kind, on) => {
      await page.getByRole('radio', { name: kind === 'focus' ? 'Focus blocks' : 'Working hours' }).click();
      for (const s of slots) {
        const painted = await cell(s).evaluate((el, k) => el.classList.contains(k), kind);
        if (painted !== on) await cell(s).dispatchEvent('pointerdown');
      }
    };
    const token = (await api(server, { method: 'channel_add', params: { kind: 'webhook', name: 'e2e' } })).data.token;

    await visit(page, 'focus');
    await page.getByTestId('week-grid').waitFor();
    // Make "now" working time and focus: a message now is held.
    await setCells('work', true);
    await setCells('focus', true);
    // At some hours the default schedule already has both: then there is nothing to save.
    if (await page.getByTestId('save-schedule').isEnabled()) {
      await page.getByTestId('save-schedule').click();
      await page.getByText(/Schedule saved/).waitFor();
    }
    let sent = await postWebhook(server.url, 'e2e', token, { id: 'e2e-1', from: 'someone@nowhere.example', title: 'During focus' });
    assert.equal(sent.body.decision, 'held');

    // The preview answers for the edited, unsaved schedule: Initech writing right now.
    const answer = () => page.getByTestId('preview-answer').innerText();
    await page.getByLabel('Client', { exact: true }).selectOption('Initech');
    await page.getByLabel('Day').selectOption(String(day));
    await page.getByLabel('Time', { exact: true }).fill(`${String(Math.floor(slot / 2)).padStart(2, '0')}:${slot % 2 ? '35' : '05'}`);
    await page.waitForFunction(() => /held/.test(document.querySelector('[data-testid=preview-answer]')?.textContent ?? ''));
    assert.match(await answer(), /During focus/);
    await setCells('focus', false);
    await page.waitForFunction(() => /live/.test(document.querySelector('[data-testid=preview-answer]')?.textContent ?? ''));
    assert.match(await answer(), /no focus in force/);

    await page.getByTestId('save-schedule').click();
    await page.getByText(/Schedule saved/).waitFor();
    sent = await postWebhook(server.url, 'e2e', token, { id: 'e2e-2', from: 'someone@nowhere.example', title: 'After the change' });
    assert.equal(sent.body.decision, 'live', JSON.stringify(sent.body));
    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe('weekly stats', () => {
  it('draw their charts', async () => {
    const { page, problems, context } = await fresh();
    await visit(page, 'stats');
    for (const id of ['chart-interruptions', 'chart-heatmap', 'chart-after-hours']) {
      const canvas = page.getByTestId(id).locator('canvas');
      await canvas.waitFor();
      const inked = await canvas.evaluate((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
      });
      assert.ok(inked > 500, `${id} is drawn (${inked} pixels)`);
    }
    assert.ok((await page.getByTestId('suggestions').locator('li').count()) > 0);
    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe('French', () => {
  it('translates every screen', async () => {
    const { page, problems, context } = await fresh({ locale: 'fr-FR' });
    const english = /\b(Inbox|Digests|Weekly stats|Settings|Waiting|Your week|Working hours|Add a client|Recognised by|Healthy|What to change|Language|Theme|Open the inbox anyway)\b/;
    const screens = { inbox: 'Boîte de réception', digests: 'Récapitulatifs', focus: 'Votre semaine', clients: 'Reconnu par', channels: 'Nouveau canal', stats: 'Ce qui pourrait changer', settings: 'Langue' };
    for (const [screen, marker] of Object.entries(screens)) {
      await visit(page, screen);
      await page.getByText(marker, { exact: false }).first().waitFor();
      // Only the app's own words are checked: message contents are the clients'.
      const chrome = await page.evaluate(() => {
        const clone = document.body.cloneNode(true);
        clone.querySelectorAll('.message, .messages, [data-testid=detail], code, .title').forEach((n) => n.remove());
        return clone.innerText;
      });
      assert.doesNotMatch(chrome, english, `${screen} has English left`);
      assert.doesNotMatch(chrome, /\{[a-z_]+\}/, `${screen} shows a raw placeholder`);
    }
    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe('first run', () => {
  it('offers the demo week, then shows the first real message without a reload', async () => {
    const empty = await startLull({ demo: false });
    try {
      const { page, problems, context } = await openLull(browser, empty.link);
      await pastReassurance(page);
      await page.getByTestId('demo').waitFor();
      const token = (await api(empty, { method: 'channel_add', params: { kind: 'webhook', name: 'first' } })).data.token;
      const sent = await postWebhook(empty.url, 'first', token, { id: 'first-1', from: 'jane@acme.example', title: 'The very first message' });
      assert.equal(sent.status, 200);
      await page.getByRole('tab', { name: 'All' }).click();
      // A message may also show in the top bar when it interrupts (open hours): the list is looked at.
      await page.getByTestId('message').getByText('The very first message').waitFor();
      assert.equal(await page.getByTestId('demo').count(), 0);
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await empty.stop();
    }
  });
});

describe('channels', () => {
  it('adds a feed and a GitHub webhook, tests them, and shows a failing feed with its error', async () => {
    // A client's status feed, served locally; its one incident is from an hour ago.
    const published = new Date(Date.now() - 3600_000).toUTCString();
    const feed = `<?xml version="1.0"?><rss version="2.0"><channel><title>Initech status</title><item><title>Maintenance tonight</title><guid>m-1</guid><pubDate>${published}</pubDate></item></channel></rss>`;
    const http = createServer((req, res) => {
      if (req.url === '/status.rss') res.writeHead(200, { 'Content-Type': 'application/rss+xml' }).end(feed);
      else res.writeHead(404).end('not found');
    });
    await new Promise((r) => http.listen(0, '127.0.0.1', r));
    const feeds = `http://127.0.0.1:${http.address().port}`;
    const { page, problems, context } = await fresh();
    try {
      await visit(page, 'channels');
      const form = page.getByTestId('add-channel');
      await form.getByRole('radio', { name: 'Feed' }).click();
      await form.getByLabel('Name').fill('initech-status');
      await form.getByLabel(/Feed address/).fill(`${feeds}/status.rss`);
      await form.getByRole('button', { name: 'Add the channel' }).click();
      const card = page.locator('[data-testid=channel][data-name=initech-status]');
      await page.locator('[data-testid=channel][data-name=initech-status][data-state=ok]').waitFor();
      await card.getByText('1 message').waitFor();
      await card.getByRole('button', { name: 'Test' }).click();
      await card.getByTestId('test-result').getByText(/RSS 2.0 \(1 entries\)/).waitFor();

      await form.getByRole('radio', { name: 'Webhook' }).click();
      await form.getByLabel('Name').fill('gh');
      await form.getByLabel('Sender').selectOption('github');
      await form.getByRole('button', { name: 'Add the channel' }).click();
      await page.getByTestId('channel-created').getByTestId('token').waitFor();
      await page.locator('[data-testid=channel][data-name=gh]').getByText('github payloads').waitFor();

      // Moved feed: the edit restarts it, it fails, the error and the next try are shown.
      await card.getByRole('button', { name: 'Edit' }).click();
      await card.getByTestId('edit-channel').getByLabel(/Feed address/).fill(`${feeds}/moved.rss`);
      await card.getByRole('button', { name: 'Save the channel' }).click();
      await page.locator('[data-testid=channel][data-name=initech-status][data-state=retrying]').waitFor();
      assert.match(await card.getByTestId('last-error').innerText(), /404 Not Found/);
      await card.getByText(/Next try at/).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
      http.close();
    }
  });
});

describe('an email channel', () => {
  it('is added from the form with its password kept out of sight, and says why it cannot connect', async () => {
    // A port on this machine where nothing listens.
    const probe = createServer();
    await new Promise((r) => probe.listen(0, '127.0.0.1', r));
    const port = probe.address().port;
    await new Promise((r) => probe.close(r));
    const password = 's3cret-Pa55-e2e';
    const { page, problems, context } = await fresh();
    try {
      await visit(page, 'channels');
      const form = page.getByTestId('add-channel');
      await form.getByRole('radio', { name: 'Email (IMAP)' }).click();
      await form.getByLabel('Name', { exact: true }).fill('work-mail');
      await form.getByLabel('Mail server').fill('imap.example.com');
      await form.getByLabel('Security').selectOption('none');
      await form.getByLabel('Port').fill(String(port));
      await form.getByLabel('User name').fill('me@example.com');
      await form.locator('input[type=password]').fill(password);
      await form.getByRole('button', { name: 'Add the channel' }).click();
      // No encryption to another machine is refused, with the reason.
      await page.getByRole('alert').getByText(/only for a server on this machine/).waitFor();
      // No keyring runs here: the keyring is refused with the alternative, never replaced silently
      // (the command line adds its flag, --secret-store file; the window has the choice below),
      // and the choice is marked.
      await form.getByLabel('Mail server').fill('127.0.0.1');
      await form.getByRole('button', { name: 'Add the channel' }).click();
      await page.getByRole('alert').getByText(/no keyring answered.*private file readable only by you/).waitFor();
      assert.equal(await form.getByLabel('Keep the password in').getAttribute('aria-invalid'), 'true');
      await form.getByLabel('Keep the password in').selectOption('file');
      await form.getByRole('button', { name: 'Add the channel' }).click();

      // It tries, fails to connect, and says so with the next try.
      const card = page.locator('[data-testid=channel][data-name=work-mail]');
      await page.locator('[data-testid=channel][data-name=work-mail][data-state=retrying]').waitFor();
      assert.match(await card.getByTestId('last-error').innerText(), new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port}`));
      await card.getByText(/Next try at/).waitFor();
      await card.getByText(`me@example.com at 127.0.0.1:${port} (not encrypted), INBOX`).waitFor();
      // The password is nowhere to be read back: not on the page, not from the API.
      assert.ok(!(await page.content()).includes(password), 'the password is on the page');
      const listed = JSON.stringify(await api(server, { method: 'channel_list' }));
      assert.ok(listed.includes('work-mail') && !listed.includes(password), 'the API returned the password');

      // Editing keeps the password unless a new one is typed.
      await card.getByRole('button', { name: 'Edit' }).click();
      const edit = card.getByTestId('edit-channel');
      assert.equal(await edit.locator('input[type=password]').inputValue(), '');
      await edit.getByText('Leave empty to keep the current password.').waitFor();
      await edit.getByLabel(/Folders/).fill('INBOX, Clients');
      await card.getByRole('button', { name: 'Save the channel' }).click();
      await card.getByText(`me@example.com at 127.0.0.1:${port} (not encrypted), INBOX, Clients`).waitFor();
      await page.locator('[data-testid=channel][data-name=work-mail][data-state=retrying]').waitFor();
      // The two refused attempts answered 400 (invalid) and 503 (no keyring), which the
      // browser logs; nothing else went wrong.
      assert.deepEqual(problems.filter((p) => !/status of (400|503)/.test(p)), []);
    } finally {
      await context.close();
    }
  });
});

describe('a desktop channel in gatekeeper mode', () => {
  it('is added from the form and says why it cannot be the notification daemon here', async () => {
    // This `lull serve` has no session bus (and, under CI, no display): the gatekeeper cannot
    // start, and the channel must say why instead of silently swallowing notifications.
    const { page, problems, context } = await fresh();
    try {
      await visit(page, 'channels');
      const form = page.getByTestId('add-channel');
      await form.getByRole('radio', { name: 'Desktop notifications' }).click();
      await form.getByLabel('Name', { exact: true }).fill('screen');
      await form.getByLabel(/Gatekeeper/).check();
      await form.getByText(/Refused while another daemon runs/).waitFor();
      await form.getByRole('button', { name: 'Add the channel' }).click();
      const card = page.locator('[data-testid=channel][data-name=screen]');
      await card.getByText(/as its notification daemon \(gatekeeper/).waitFor();
      await page.locator('[data-testid=channel][data-name=screen]:is([data-state=failed], [data-state=retrying])').waitFor();
      assert.match(await card.getByTestId('last-error').innerText(), /graphical session|session bus/);
      // Back to watching, from the edit form.
      await card.getByRole('button', { name: 'Edit' }).click();
      await card.getByTestId('edit-channel').getByLabel(/Gatekeeper/).uncheck();
      await card.getByRole('button', { name: 'Save the channel' }).click();
      await card.getByText('notifications shown on this desktop').waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

describe('your phone', () => {
  it('adds an ntfy topic, sends a test push that reaches it, and says why a wrong server fails', async () => {
    // A stand-in for ntfy's publish API: records what is posted to a topic.
    const posted = [];
    const http = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        posted.push({ url: req.url, title: req.headers['x-title'], priority: req.headers['x-priority'], body });
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id: 'abc123', event: 'message' }));
      });
    });
    await new Promise((r) => http.listen(0, '127.0.0.1', r));
    const ntfy = `http://127.0.0.1:${http.address().port}`;
    const { page, problems, context } = await fresh();
    try {
      await visit(page, 'settings');
      const panel = page.getByTestId('push-targets');
      await panel.getByRole('heading', { name: 'Your phone' }).waitFor();
      await panel.getByRole('textbox', { name: 'Name', exact: true }).fill('phone');
      await panel.getByLabel('ntfy server').fill(ntfy);
      await panel.getByRole('button', { name: 'Pick one' }).click();
      assert.match(await panel.getByRole('textbox', { name: /^Topic/ }).inputValue(), /^lull-[a-z0-9]{5,}$/);
      await panel.getByRole('button', { name: 'Add', exact: true }).click();
      await panel.getByText(/0 sent · 0 waiting/).waitFor();
      await panel.getByRole('button', { name: 'Send a test push' }).click();
      await page.getByText(/phone: accepted \(200 OK, id abc123\)/).waitFor();
      assert.equal(posted.length, 1);
      assert.equal(posted[0].title, 'Lull test push');
      assert.match(posted[0].url, /^\/lull-/);

      // A server that is not there: the field at fault is named, then the test says why.
      await panel.getByRole('textbox', { name: 'Name', exact: true }).fill('broken');
      await panel.getByLabel('ntfy server').fill('http://127.0.0.1:9');
      await panel.getByRole('textbox', { name: /^Topic/ }).fill('bad topic');
      await panel.getByRole('button', { name: 'Add', exact: true }).click();
      await page.locator('[data-field~=topic][aria-invalid=true]').waitFor();
      await panel.getByRole('textbox', { name: /^Topic/ }).fill('lull-broken');
      await panel.getByRole('button', { name: 'Add', exact: true }).click();
      const broken = panel.locator('li', { hasText: 'broken' });
      await broken.getByRole('button', { name: 'Send a test push' }).click();
      await broken.getByText(/Last error .*cannot reach http:\/\/127.0.0.1:9/).waitFor();
      assert.deepEqual(problems.filter((p) => !/status of 400/.test(p)), []);
    } finally {
      await context.close();
      http.close();
    }
  });
});

describe('a phone channel', () => {
  it('is added from the form, explains dismissing, and says why it cannot reach the phone here', async () => {
    // This `lull serve` has no session bus: no KDE Connect, no GSConnect.
    const { page, problems, context } = await fresh();
    try {
      await visit(page, 'channels');
      const form = page.getByTestId('add-channel');
      await form.getByRole('radio', { name: 'Phone' }).click();
      await form.getByText(/through KDE Connect/).waitFor();
      await form.getByLabel('Name', { exact: true }).fill('pixel');
      await form.getByLabel(/Dismiss held notifications/).check();
      await form.getByText(/stops pulling at you/).waitFor();
      await form.getByRole('button', { name: 'Add the channel' }).click();
      const card = page.locator('[data-testid=channel][data-name=pixel]');
      await card.getByText(/held ones are dismissed on the phone/).waitFor();
      await page.locator('[data-testid=channel][data-name=pixel]:is([data-state=retrying], [data-state=waiting])').waitFor();
      assert.match(await card.innerText(), /session bus|KDE Connect/);
      // A device id that cannot be one is refused at its field.
      await card.getByRole('button', { name: 'Edit' }).click();
      await card.getByTestId('edit-channel').getByLabel('Device').fill('not a device!');
      await card.getByRole('button', { name: 'Save the channel' }).click();
      await card.locator('[data-field~=device][aria-invalid=true]').waitFor();
      assert.deepEqual(problems.filter((p) => !/status of 400/.test(p)), []);
    } finally {
      await context.close();
    }
  });
});

describe('signing in', () => {
  it('takes a one-time code from `lull open` and never needs the token in the address', async () => {
    const link = lull(server.dir, 'open', '--no-browser').trim();
    assert.match(link, /#code=lull_code_/);
    const context = await browser.newContext({ viewport: { width: 1024, height: 700 } });
    try {
      const page = await context.newPage();
      await page.goto(link);
      await page.locator('.shell[data-settled=true]').waitFor();
      assert.ok(!page.url().includes('code='), 'the code is removed from the address bar');
      // The same link again: the code is spent, so the page asks how to connect.
      const other = await browser.newContext();
      const again = await other.newPage();
      await again.goto(link);
      await again.getByTestId('connect').waitFor();
      await other.close();
    } finally {
      await context.close();
    }
  });
});
