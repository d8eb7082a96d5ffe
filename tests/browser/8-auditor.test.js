// The auditor: everything readable, the cases and the audit trail (/granskningslogg).
// Logs in through the login form and checks every page type reachable by links from the
// start page and from the demo call's page (one page per route pattern; the crawl takes
// the demo call as its call page, as it has decisions, payments, rounds and reports).

const assert = require('node:assert');
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

  // A decision letter, downloaded from a case as an auditor would: the link on the case
  // page, a PDF, the same bytes each time (its checksum is on the page).
  const cases = visited.find((v) => v.pattern === '/ansokningar/{id}');
  assert.ok(cases, 'the crawl reached a case');
  await page.goto(cases.url);
  let letter = page.getByRole('link', { name: 'Hämta beslutsbrevet (PDF)' }).first();
  if (!(await letter.count())) {
    // The case the crawl found may have no signed decision yet: take the demo's first.
    await page.goto(await demoCallPath(page));
    const first = page.locator('a[href^="/ansokningar/"]').first();
    await page.goto(await first.getAttribute('href'));
    letter = page.getByRole('link', { name: 'Hämta beslutsbrevet (PDF)' }).first();
  }
  const href = await letter.getAttribute('href');
  assert.match(href, /^\/beslut\/[0-9a-f-]{36}\/brev\.pdf$/);
  const [first, again] = [await page.request.get(href), await page.request.get(href)];
  assert.strictEqual(first.status(), 200);
  assert.match(first.headers()['content-type'], /^application\/pdf/);
  const bytes = await first.body();
  assert.strictEqual(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(bytes.equals(await again.body()), 'the same letter each time');
  console.log(`[auditor] letter ${href}: ${bytes.length} bytes, a PDF`);
});
