#!/usr/bin/env node
// Renders a status page in Debian's headless Chromium (driven by playwright-core from
// infra/.tools/npm), saves a full-page screenshot, and prints what a visitor sees as one
// JSON line: {"title","banner","components":[{"name","status"}],"incidents":[…],
// "maintenance":[…],"scripts","consoleErrors"}. The caller asserts on it.
// Usage: status-page-browser.cjs URL SCREENSHOT.png
'use strict';
const path = require('path');

const [url, screenshot] = process.argv.slice(2);
if (!url || !screenshot) {
  console.error('usage: status-page-browser.cjs URL SCREENSHOT.png');
  process.exit(2);
}
const root = path.resolve(__dirname, '../..');
let chromium;
try {
  ({ chromium } = require(path.join(root, 'infra/.tools/npm/node_modules/playwright-core')));
} catch (e) {
  console.error(`playwright-core is not installed (run infra/scripts/install-tools.sh): ${e.message}`);
  process.exit(3);
}

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 }, javaScriptEnabled: false });
    const consoleErrors = [];
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    const res = await page.goto(url, { waitUntil: 'load' });
    if (!res || res.status() !== 200) throw new Error(`GET ${url}: ${res && res.status()}`);
    const text = (loc) => loc.allInnerTexts().then((t) => t.map((s) => s.trim()));
    const names = await text(page.locator('ul.cs h3'));
    const statuses = await text(page.locator('ul.cs .st'));
    const seen = {
      title: await page.title(),
      banner: (await page.locator('#banner').innerText()).trim(),
      bannerColour: await page.locator('#banner').evaluate((e) => getComputedStyle(e).backgroundColor),
      components: names.map((name, i) => ({ name, status: statuses[i] })),
      incidents: await text(page.locator('section[aria-labelledby=active] article h3')),
      maintenance: await text(page.locator('section[aria-labelledby=maintenance] article h3')),
      scripts: await page.locator('script').count(),
      consoleErrors,
    };
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(JSON.stringify(seen));
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
