// Availability replies in the web UI, end to end on the demo week: turning them on for a
// client with a preview of what it would get, a mail channel's outgoing server, the templates
// in Settings (checked before they are kept), the replies under the messages they answer, and
// the week's count; at 1280 and 800 px, in English and French.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { api, fits, useLull } from './harness.mjs';

const lull = useLull();
const { fresh, visit } = lull;

/** A port on this machine where nothing listens. */
async function freePort() {
  const probe = createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const port = probe.address().port;
  await new Promise((r) => probe.close(r));
  return port;
}

describe('availability replies', () => {
  it('are turned on per client with a preview, sent from a mail channel, and worded from a checked template', async () => {
    const { page, problems, context } = await fresh();
    try {
      await visit(page, 'clients');
      const acme = page.getByTestId('clients').locator('tbody tr', { hasText: 'Acme' });
      await acme.getByRole('button', { name: 'Edit' }).click();
      await page.getByTestId('client-auto-reply').selectOption('fr');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await acme.getByTestId('auto-reply-badge').getByText('↩ fr').waitFor();

      // The preview, before any channel sends replies: it says so, and shows the text anyway.
      await acme.getByRole('button', { name: 'Edit' }).click();
      const preview = page.getByTestId('reply-preview');
      await preview.getByTestId('reply-preview-evening').click();
      await preview.getByTestId('reply-none').getByText('No mail channel sends them').waitFor();
      const text = await preview.getByTestId('reply-text').innerText();
      assert.match(text, /^Bonjour,/);
      // Acme is a VIP: the way through is its urgent word, and 20:00 is after hours.
      assert.match(text, /Je ne suis pas disponible avant demain|Je ne suis pas disponible avant \w+ 09:00/);
      assert.match(text, /écrivez URGENT dans l’objet/);
      await page.setViewportSize({ width: 800, height: 600 });
      await fits(page, 'a client with its reply preview at 800 px');
      await page.setViewportSize({ width: 1280, height: 860 });
      await page.getByRole('button', { name: 'Cancel' }).click();

      // A mail channel with an outgoing server.
      const port = await freePort();
      await visit(page, 'channels');
      const form = page.getByTestId('add-channel');
      await form.getByRole('radio', { name: 'Email (IMAP)' }).click();
      await form.getByLabel('Name', { exact: true }).fill('work-mail');
      await form.getByLabel('Mail server').fill('127.0.0.1');
      await form.getByLabel('Security').first().selectOption('none');
      await form.getByLabel('Port').first().fill(String(port));
      await form.getByLabel('User name').fill('alice');
      await form.getByLabel('Outgoing server (SMTP)').fill('127.0.0.1');
      await form.locator('[data-field=smtp_tls]').selectOption('none');
      await form.locator('[data-field=smtp_port]').fill(String(port));
      await form.getByLabel('Keep the password in').selectOption('file');
      await form.locator('input[type=password]').fill('e2e-pw');
      // Replies need the user's own address: the user name is not one.
      await form.getByRole('button', { name: 'Add the channel' }).click();
      await page.getByRole('alert').getByText(/replies need your own email address/).waitFor();
      await form.getByLabel('Your address').fill('alice@lull.example');
      await form.getByRole('button', { name: 'Add the channel' }).click();
      const card = page.locator('[data-testid=channel][data-name=work-mail]');
      await card.getByTestId('replies').getByText('Availability replies from alice@lull.example · 0 sent').waitFor();

      // Now the preview is the reply that would go.
      await visit(page, 'clients');
      await acme.getByRole('button', { name: 'Edit' }).click();
      await preview.getByTestId('reply-preview-evening').click();
      await preview.getByText('To someone@acme.example · Re: Quick question').waitFor();
      assert.equal(await preview.getByTestId('reply-none').count(), 0);

      // The French template: a typo is refused next to the text, then the user's own is kept.
      await visit(page, 'settings');
      const replies = page.getByTestId('auto-replies');
      await replies.getByTestId('replies-clients').getByText('Acme, Hooli, Initech').waitFor();
      await replies.getByTestId('replies-senders').getByText('alice@lull.example (work-mail)').waitFor();
      await replies.getByTestId('replies-lang-fr').click();
      await replies.getByTestId('replies-template').fill('{hello}\n\n{away} {reading}\n\nÀ bientôt, {nom}');
      await replies.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByRole('alert').getByText(/uses \{nom\}, which Lull does not know/).waitFor();
      await replies.getByTestId('replies-template').fill('{hello}\n\n{away} {reading}\n\n{urgent}\n\nÀ bientôt, Alice');
      await replies.getByRole('button', { name: 'Save', exact: true }).click();
      await replies.getByTestId('replies-lang-fr').getByText('yours').waitFor();
      // The preview under the text words the unsaved text as it is typed, for a client who
      // gets replies in that language.
      await replies.getByTestId('reply-preview-evening').click();
      await replies.getByTestId('reply-text').getByText(/À bientôt, Alice/).waitFor();

      // The replies the demo's clients got, under the messages they answer.
      await visit(page, 'inbox');
      await page.getByRole('tab', { name: 'All' }).click();
      await page.locator('.filters select').selectOption('Initech');
      await page.getByTestId('replied').first().click();
      const sent = page.locator('[data-testid=auto-reply][data-state=sent]');
      await sent.getByText(/^↩ Lull told kenji@initech\.example when you will answer/).waitFor();
      assert.match(await sent.innerText(), /Hello Kenji Sato,/);

      // The week counts the clients told.
      await visit(page, 'stats');
      await page.getByTestId('told-card').getByText(/clients told when you.d answer/).waitFor();
      assert.deepEqual(problems.filter((p) => !/status of 400/.test(p)), []);
    } finally {
      await context.close();
    }
  });

  it('read well in French at 800 px', async () => {
    const { page, problems, context } = await fresh({ locale: 'fr-FR' });
    try {
      await page.setViewportSize({ width: 800, height: 600 });
      await visit(page, 'settings');
      const replies = page.getByTestId('auto-replies');
      await replies.getByText('Réponses de disponibilité', { exact: true }).waitFor();
      // The text shown first is in the window's language.
      assert.match(await replies.getByTestId('replies-template').inputValue(), /Merci pour votre message|À bientôt/);
      await fits(page, 'the replies settings in French at 800 px');
      await visit(page, 'clients');
      const initech = page.getByTestId('clients').locator('tbody tr', { hasText: 'Initech' });
      await initech.getByRole('button', { name: 'Modifier' }).click();
      await page.getByTestId('reply-preview').getByTestId('reply-preview-evening').click();
      await page.getByTestId('reply-preview').getByTestId('reply-text').waitFor();
      await fits(page, 'a client with its reply preview in French at 800 px');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

describe('a client charter', () => {
  it('is copied or downloaded from the client page, and says when the one shared is out of date', async () => {
    const { page, problems, context } = await fresh();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(lull.server.url).origin });
    try {
      await visit(page, 'clients');
      const initech = page.getByTestId('clients').locator('tbody tr', { hasText: 'Initech' });
      await initech.getByRole('button', { name: 'Edit' }).click();
      const panel = page.getByTestId('charter');
      const text = await panel.getByTestId('charter-text').innerText();
      assert.match(text, /^How to reach me, for Initech\nTimes in your time zone, Asia\/Tokyo\./);
      await panel.getByText('Not shared yet').waitFor();
      await panel.getByTestId('charter-copy').click();
      await panel.getByTestId('charter-current').waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), text);
      const [download] = await Promise.all([page.waitForEvent('download'), panel.getByTestId('charter-ics').click()]);
      assert.equal(download.suggestedFilename(), 'Initech-availability.ics');
      const ics = await (await download.createReadStream()).toArray();
      assert.match(Buffer.concat(ics).toString(), /BEGIN:VCALENDAR[\s\S]*RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR/);
      await page.getByRole('button', { name: 'Cancel' }).click();

      // The digest times change: the list and the panel say the charter shared is out of date.
      await api(lull.server, { method: 'schedule_set', params: { digests: ['10:00', '16:00'] } });
      await visit(page, 'clients');
      await initech.getByTestId('charter-stale').waitFor();
      await initech.getByRole('button', { name: 'Edit' }).click();
      await panel.getByTestId('charter-out-of-date').waitFor();
      // 10:00 and 16:00 in Paris are 18:00 and (the next day) 00:00 in Tokyo.
      assert.match(await panel.getByTestId('charter-text').innerText(), /Tue–Sat at 00:00; Mon–Fri at 18:00/);
      await page.setViewportSize({ width: 800, height: 600 });
      await fits(page, 'a client with its charter at 800 px');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
