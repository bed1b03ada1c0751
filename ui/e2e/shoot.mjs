// Screenshots of the web UI for looking at it by eye: `node e2e/shoot.mjs OUT_DIR [route…]`
// (routes like `digests`, `inbox`), on the demo week, at 1280, 1024 and 800 px, in English
// and French. Not a test: a tool for reviewing layout changes.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startLull, openBrowser, openLull } from './harness.mjs';

const [out = 'shots', ...routes] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const demo = process.env.EMPTY ? false : true;
const lull = await startLull({ demo });
const browser = await openBrowser();
try {
  for (const locale of (process.env.LOCALES ?? 'en-GB').split(',')) {
    const { page, problems, context } = await openLull(browser, lull.link, { locale });
    for (const [width, height] of [[1280, 860], [1024, 700], [800, 600]]) {
      await page.setViewportSize({ width, height });
      for (const route of routes.length ? routes : ['inbox', 'digests']) {
        await page.evaluate((r) => (location.hash = `#/${r}`), route);
        await page.waitForTimeout(600);
        if (process.env.CLICK) {
          await page.locator(process.env.CLICK).first().click().catch(() => {});
          await page.waitForTimeout(300);
        }
        const name = `${route.replaceAll('/', '-')}-${width}-${locale}.png`;
        await page.screenshot({ path: join(out, name) });
        const wide = await page.evaluate(() => document.documentElement.scrollWidth > innerWidth);
        console.log(name, wide ? 'SCROLLS SIDEWAYS' : 'fits');
      }
    }
    if (problems.length) console.log('problems:', problems);
    await context.close();
  }
} finally {
  await browser.close();
  await lull.stop();
}
