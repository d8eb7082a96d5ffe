// The decision maker: the same pages as the officer, seen with the right to sign.
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

test('decision-maker pages', async (t) => {
  const page = await newPage(browser);
  await login(page, PEOPLE.decisionMaker);
  const visited = await crawl(t, page, {
    start: ['/', await demoCallPath(page)],
    who: 'decision-maker',
  });
  console.log(
    `decision-maker: ${visited.length} page types: ${visited.map((v) => v.pattern).join(' ')}`,
  );
});
