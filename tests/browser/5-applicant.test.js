// Region Skåne's applicant: their start page, the calls, their cases, report-backs, their
// organisation's people and payments, their account. Logs in through the login form and
// checks every page type reachable by links from the start page (one page per route
// pattern), then the refused forms of their account and of their organisation's people.

const { test, before, after } = require('node:test');
const { launch, newPage, login, crawl, checkPage, submit, PEOPLE } = require('./helpers');

let browser;
before(async () => {
  browser = await launch();
});
after(async () => browser && browser.close());

test('applicant pages', async (t) => {
  const page = await newPage(browser);
  await login(page, PEOPLE.applicant);
  const visited = await crawl(t, page, { start: ['/'], who: 'applicant' });
  console.log(
    `applicant: ${visited.length} page types: ${visited.map((v) => v.pattern).join(' ')}`,
  );

  await page.goto('/konto');
  await page.locator('#current_password').fill('inte det rätta lösenordet');
  await page.locator('#new_password').fill('kort');
  await page.locator('#new_password_again').fill('annat');
  await submit(page, page.getByRole('button', { name: 'Byt lösenord' }));
  await checkPage(t, page, '/konto (refused, with errors)', 'applicant');

  const people = visited.find((v) => v.pattern === '/organisationer/{id}/personer');
  if (people) {
    await page.goto(people.url);
    await submit(page, page.getByRole('button', { name: 'Skicka inbjudan' }));
    await checkPage(t, page, '/organisationer/{id}/personer (refused, with errors)', 'applicant');
  }
});
