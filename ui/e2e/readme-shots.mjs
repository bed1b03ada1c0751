// The README's browser screenshots (scripts/screenshots.sh takes the window's): a digest opened
// at 1024 px on the demo, and the first run on an empty data directory.
// `node e2e/readme-shots.mjs OUT_DIR`.
import { join } from 'node:path';
import { openBrowser, openLull, pastReassurance, startLull } from './harness.mjs';

const out = process.argv[2] ?? '../docs/screenshots';
const browser = await openBrowser();
try {
  const demo = await startLull();
  try {
    const { page, context } = await openLull(browser, demo.link);
    await pastReassurance(page);
    await page.setViewportSize({ width: 1024, height: 760 });
    await page.goto(`${demo.url}#/digests`);
    await page.getByTestId('digest-message').first().click();
    await page.getByTestId('digest-detail').getByTestId('detail').waitFor();
    await page.getByTestId('digest-detail').evaluate((el) => el.scrollIntoView());
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(out, 'digest-1024.png') });
    await context.close();
  } finally {
    await demo.stop();
  }
  const empty = await startLull({ demo: false, tz: null });
  try {
    const { page, context } = await openLull(browser, empty.link, { timezoneId: 'Europe/Paris' });
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.getByTestId('first-run').waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(out, 'first-run.png') });
    await context.close();
  } finally {
    await empty.stop();
  }
} finally {
  await browser.close();
}
console.log(`browser screenshots in ${out}`);
