// The officer: calls, applications lists, cases with assessments and decisions, payments,
// money dashboards, redistribution rounds, report-back overviews, the decision change form.
// Logs in through the login form and checks every page type reachable by links from the
// start page and from the demo call's page (one page per route pattern; the crawl takes
// the demo call as its call page, as it has decisions, payments, rounds and reports), then
// the decision change form refused.

const { test, before, after } = require('node:test');
const {
  launch,
  newPage,
  login,
  crawl,
  demoCallPath,
  checkPage,
  submit,
  PEOPLE,
} = require('./helpers');

let browser;
before(async () => {
  browser = await launch();
});
after(async () => browser && browser.close());

test('officer pages', async (t) => {
  const page = await newPage(browser);
  await login(page, PEOPLE.officer);
  const visited = await crawl(t, page, { start: ['/', await demoCallPath(page)], who: 'officer' });
  console.log(`officer: ${visited.length} page types: ${visited.map((v) => v.pattern).join(' ')}`);

  const change = visited.find((v) => v.pattern === '/beslut/{id}/andra');
  if (change) {
    await page.goto(change.url);
    await submit(page, page.getByRole('button', { name: 'Bered beslutet' }));
    await checkPage(t, page, '/beslut/{id}/andra (refused, with errors)', 'officer');
  }
});
