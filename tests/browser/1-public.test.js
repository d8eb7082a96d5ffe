// Anyone, not logged in: the start page, the call page with the allocation table (the
// open data), the accessibility statement, the login page (also with its error), the
// forgotten-password page (also its answer) and the "not found" page; then every other
// page reachable by links.

const { test, before, after } = require('node:test');
const assert = require('node:assert');
const {
  launch,
  newPage,
  visit,
  checkPage,
  crawl,
  routePattern,
  submit,
  DEMO_CALL_TITLE,
} = require('./helpers');

let browser;
let page;
before(async () => {
  browser = await launch();
  page = await newPage(browser);
});
after(async () => browser && browser.close());

test('public pages', async (t) => {
  const seen = new Set();
  const who = 'public';

  await visit(t, page, '/', { who });
  seen.add('/');
  const call = page.getByRole('link', { name: DEMO_CALL_TITLE }).first();
  const callUrl = await call.getAttribute('href');
  assert.ok(callUrl, 'the start page links to the demo call');

  await visit(t, page, callUrl, { who, label: '/utlysningar/{id} (allocation table)' });
  seen.add(routePattern(callUrl));
  // The allocation table's other pages, where there are some.
  const next = page.locator('a[href*="sida="]').first();
  if (await next.count()) {
    await visit(t, page, await next.getAttribute('href'), {
      who,
      label: '/utlysningar/{id}?sida= (allocation, a later page)',
    });
  }

  await visit(t, page, '/tillganglighet', { who });
  seen.add('/tillganglighet');

  await visit(t, page, '/logga-in', { who });
  seen.add('/logga-in');
  await page.getByLabel('E-postadress', { exact: true }).fill('ingen@example.se');
  await page.getByLabel('Lösenord', { exact: true }).fill('fel lösenord');
  await submit(page, page.getByRole('button', { name: 'Logga in', exact: true }));
  await checkPage(t, page, '/logga-in (wrong password)', who);

  await visit(t, page, '/glomt-losenord', { who });
  seen.add('/glomt-losenord');
  await page
    .getByLabel(/E-post/)
    .first()
    .fill('ingen@example.se');
  await submit(page, page.locator('main button[type=submit]').first());
  await checkPage(t, page, '/glomt-losenord (sent)', who);

  await visit(t, page, '/sidan-finns-inte', { who, status: 404, label: 'error page (404)' });

  await crawl(t, page, { start: ['/'], seen, who });
});
