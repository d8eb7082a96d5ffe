// A redistribution round of the demo call: the officer opens one (once refused for a
// missing day), Region Skåne's applicant applies for more money in it (once refused), and
// the officer sees the round with the application and the top-up case.

const { test, before, after } = require('node:test');
const assert = require('node:assert');
const {
  launch,
  newPage,
  login,
  visit,
  checkPage,
  submit,
  dayFromToday,
  PEOPLE,
  demoCallPath,
  routePattern,
} = require('./helpers');

let browser;
before(async () => {
  browser = await launch();
});
after(async () => browser && browser.close());

test('a redistribution round from opening to an application', async (t) => {
  const officer = await newPage(browser);
  await login(officer, PEOPLE.officer);
  const callPath = await demoCallPath(officer);

  await visit(t, officer, `${callPath}/omfordelning`, { who: 'officer' });
  await submit(officer, officer.getByRole('button', { name: 'Öppna omfördelningen' }));
  await checkPage(t, officer, '/utlysningar/{id}/omfordelning (refused, with errors)', 'officer');
  await officer.locator('#year').selectOption({ index: 0 });
  await officer.locator('#last_day').fill(dayFromToday(30));
  await submit(officer, officer.getByRole('button', { name: 'Öppna omfördelningen' }));
  await officer.goto(`${callPath}/omfordelning`);
  const roundPath = await officer
    .locator('a[href^="/omfordelningar/"]')
    .first()
    .getAttribute('href');
  assert.ok(roundPath, 'the round is listed');
  await visit(t, officer, roundPath, {
    who: 'officer',
    label: '/omfordelningar/{id} (open, no applications)',
  });

  const applicant = await newPage(browser);
  await login(applicant, PEOPLE.applicant);
  await checkPage(t, applicant, '/ (applicant, a round open)', 'applicant');
  await visit(t, applicant, `${roundPath}/ansok`, { who: 'applicant' });
  await submit(applicant, applicant.getByRole('button', { name: 'Skicka in ansökan' }));
  await checkPage(t, applicant, '/omfordelningar/{id}/ansok (refused, with errors)', 'applicant');
  const amount = applicant.locator('input[name^="amounts."]').first();
  await amount.fill('50 000');
  await applicant
    .locator('input[name^="descriptions."]')
    .first()
    .fill('Mer personal under hösten.');
  await applicant.locator('#reasons').fill('Fler unga än väntat behöver integrerad vård.');
  await submit(applicant, applicant.getByRole('button', { name: 'Skicka in ansökan' }));
  const sent = `${routePattern(applicant.url())} (top-up application sent, applicant)`;
  await checkPage(t, applicant, sent, 'applicant');

  await visit(t, officer, roundPath, {
    who: 'officer',
    label: '/omfordelningar/{id} (with an application)',
  });
  const topUp = await officer.locator('main a[href^="/ansokningar/"]').first().getAttribute('href');
  if (topUp) {
    await visit(t, officer, topUp, {
      who: 'officer',
      label: '/ansokningar/{id} (top-up application, officer)',
    });
  }
});
