// Platforms' response clocks in the web UI, end to end on the demo week: a client's message
// relayed by Fiverr shows the time to reply by in the inbox and when it would ring; the
// Settings panel changes a platform's clock (kept by the engine, read back by the CLI); the
// week counts clocks kept; at 1280 and 800 px, in English and French.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, fits, useLull } from './harness.mjs';

const lull = useLull();
const { fresh, visit } = lull;

describe('platform response clocks', () => {
  it('show the time to reply by, change per platform, and are counted', async () => {
    const { page, problems, context } = await fresh();
    try {
      // The demo's Fiverr buyer wrote a quarter of an hour ago: the clock is running.
      await visit(page, 'inbox');
      await page.getByRole('tab', { name: 'All' }).click();
      // (Léa's Malt message of the day may be newer: look for the Fiverr buyer's.)
      const badge = page.locator('[data-testid=message]', { hasText: 'jordan_k' }).locator('[data-testid=clock].clock-running').first();
      assert.match(await badge.innerText(), /^reply by (\w{3} )?\d\d:\d\d$/);
      await badge.click();
      const line = page.getByTestId('clock-line');
      assert.equal(await line.getAttribute('data-state'), 'running');
      assert.match(await line.innerText(), /Fiverr rates replies within 24 h/);

      // Malt given 12 hours in Settings; the engine keeps it.
      await visit(page, 'settings');
      const panel = page.getByTestId('platforms');
      await panel.getByTestId('platform-Malt').selectOption({ label: 'Within 12 h' });
      await page.getByText('Malt’s response time saved').waitFor();
      const shown = await api(lull.server, { method: 'platforms_show' });
      assert.equal(shown.data.find((p) => p.name === 'Malt').within_secs, 12 * 3600);
      await panel.getByTestId('platform-Upwork').selectOption('off');
      await page.getByText('Upwork’s response time saved').waitFor();
      const after = await api(lull.server, { method: 'platforms_show' });
      assert.equal(after.data.find((p) => p.name === 'Upwork').within_secs, null);
      await panel.getByTestId('platform-Malt').selectOption('default');
      await page.getByText('Malt’s response time saved').waitFor();
      assert.equal(await panel.getByTestId('platform-Malt').inputValue(), 'default');
      await page.setViewportSize({ width: 800, height: 600 });
      await fits(page, 'the platforms panel at 800 px');
      await page.setViewportSize({ width: 1280, height: 860 });

      // The last full week's clocks, kept out of all.
      await visit(page, 'stats');
      const card = page.getByTestId('clocks-card');
      assert.match(await card.innerText(), /^\d+\/\d+\s+platform response times kept/);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('read well in French at 800 px', async () => {
    const { page, problems, context } = await fresh({ locale: 'fr-FR' });
    try {
      await page.setViewportSize({ width: 800, height: 600 });
      await visit(page, 'inbox');
      await page.getByRole('tab', { name: 'Tout' }).click();
      const badge = page.locator('[data-testid=message] [data-testid=clock]').first();
      assert.match(await badge.innerText(), /^(répondre avant|répondu à temps|délai dépassé)/);
      await fits(page, 'the inbox with response clocks in French at 800 px');
      await visit(page, 'settings');
      await page.getByTestId('platforms').getByText('Délais de réponse des plateformes').waitFor();
      await fits(page, 'the platforms panel in French at 800 px');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
