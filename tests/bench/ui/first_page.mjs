// first_page.mjs - how long the web UI takes, on loopback, from the
// navigation to the first flag rows on screen, for a signed-in release
// manager (the token already in sessionStorage, as after a sign-in).
// Run through tests/bench/ui/run.sh, which starts vexild with N flags.
//
// Each round opens a fresh browser context (nothing cached) and loads
// `/`. A MutationObserver installed before the page's scripts notes
// performance.now() (which counts from the navigation's start) when the
// first `li.flag-row` is added, and the next animation frame, when it is
// on screen. Prints the median and the worst of ROUNDS rounds, and the
// median first paint (the page's frame and loading state).
import { createRequire } from 'node:module';

// tests/ui has the locked playwright-core (its package.json).
const require = createRequire(new URL('../../ui/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const base = process.env.VEXIL_URL;
const token = process.env.VEXIL_ADMIN_TOKEN;
const rounds = Number(process.env.ROUNDS || 20);

const browser = await chromium.launch({
  executablePath: process.env.VX_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const rows = [];
const paints = [];
for (let i = 0; i < rounds; i++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.addInitScript((t) => {
    sessionStorage.setItem('vexil.adminToken', t);
    const seen = new MutationObserver(() => {
      if (document.querySelector('li.flag-row') === null) return;
      seen.disconnect();
      requestAnimationFrame(() => { window.firstRows = performance.now(); });
    });
    seen.observe(document, { childList: true, subtree: true });
  }, token);
  const page = await context.newPage();
  await page.goto(`${base}/`, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.firstRows !== undefined);
  rows.push(await page.evaluate(() => window.firstRows));
  paints.push(await page.evaluate(() => {
    const p = performance.getEntriesByName('first-contentful-paint')[0];
    return p ? p.startTime : NaN;
  }));
  const n = await page.locator('li.flag-row').count();
  if (n === 0) throw new Error('no flag rows');
  await context.close();
}
await browser.close();
const sorted = (a) => [...a].sort((x, y) => x - y);
const median = (a) => sorted(a)[Math.floor(a.length / 2)];
const r = sorted(rows);
console.log(`UI rounds=${rounds} first_rows_median_ms=${median(rows).toFixed(1)} ` +
  `first_rows_max_ms=${r[r.length - 1].toFixed(1)} ` +
  `first_paint_median_ms=${median(paints).toFixed(1)}`);
