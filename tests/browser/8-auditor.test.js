// The auditor: everything readable, the cases and the audit trail (/granskningslogg).
// Logs in through the login form and checks every page type reachable by links from the
// start page and from the demo call's page (one page per route pattern; the crawl takes
// the demo call as its call page, as it has decisions, payments, rounds and reports).

const { test, before, after } = require('node:test');
const { launch, newPage, login, crawl, demoCallPath, PEOPLE } = require('./helpers');

let browser;
before(async () => {
  browser = await launch();
});
after(async () => browser && browser.close());

test('auditor pages', async (t) => {
  const page = await newPage(browser);
  await login(page, PEOPLE.auditor);
  const visited = await crawl(t, page, { start: ['/', await demoCallPath(page)], who: 'auditor' });
  console.log(`auditor: ${visited.length} page types: ${visited.map((v) => v.pattern).join(' ')}`);
});
