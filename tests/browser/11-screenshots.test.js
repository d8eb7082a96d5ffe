// A picture of each role's start page at 1280 and 320 px wide, for the README: written to
// target/browser/screens/ on every run (test output), and to docs/screenshots/ when asked:
//   SCREENSHOT_DIR=docs/screenshots .ci/browser 11-screenshots.test.js
// Each page is checked as every other page is (axe, reflow) before it is taken.

const fs = require('node:fs');
const path = require('node:path');
const { test, before, after } = require('node:test');
const { launch, newPage, login, checkPage, PEOPLE } = require('./helpers');

const OUT = process.env.SCREENSHOT_DIR
  ? path.resolve(__dirname, '../..', process.env.SCREENSHOT_DIR)
  : path.resolve(process.env.BROWSER_OUT_DIR || path.resolve(__dirname, '../../target/browser'), 'screens');

const ROLES = [
  ['public', null, '/'],
  ['applicant', PEOPLE.applicant, '/'],
  ['officer', PEOPLE.officer, '/'],
  ['decision-maker', PEOPLE.decisionMaker, '/'],
  ['auditor', PEOPLE.auditor, '/'],
  ['admin', PEOPLE.admin, '/admin'],
];

let browser;
before(async () => {
  browser = await launch();
  fs.mkdirSync(OUT, { recursive: true });
});
after(async () => browser && browser.close());

for (const [role, email, start] of ROLES) {
  test(`${role}: the start page, pictured at 1280 and 320 px`, async (t) => {
    const page = await newPage(browser);
    if (email) await login(page, email);
    await page.goto(start);
    await checkPage(t, page, `${start} (${role}, pictured)`, role);
    for (const width of [1280, 320]) {
      await page.setViewportSize({ width, height: 900 });
      const file = path.join(OUT, `${role}-${width}.png`);
      await page.screenshot({ path: file });
      console.log(`[${role}] picture ${width}: ${path.relative(process.cwd(), file)}`);
    }
    await page.context().close();
  });
}
