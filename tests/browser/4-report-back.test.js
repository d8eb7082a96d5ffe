// The report-back of a granted year: Region Skåne's applicant starts it, saves it once
// with mistakes, fills it in, checks and submits it; the officer reads it in the overview
// and approves it, which makes a repayment claim of the money not used.

const { test, before, after } = require('node:test');
const assert = require('node:assert');
const { launch, newPage, login, visit, checkPage, submit, PEOPLE } = require('./helpers');

let browser;
before(async () => {
  browser = await launch();
});
after(async () => browser && browser.close());

async function fillReport(page, { children }) {
  for (const result of await page.locator('fieldset.report-result').all()) {
    await result.locator('input[type=radio]').first().check();
    await result
      .locator('textarea[name$=".activities"]')
      .fill('Teamet har arbetat på ungdomshemmet varje vecka.');
    await result.locator('textarea[name$=".obstacles"]').fill('Svårt att rekrytera läkare.');
  }
  // The counts are the call's counts field (number 1 of the 2020 call's report-back form).
  await page.locator('input[name="answers.1.total"]').fill(children);
  await page.locator('input[name="answers.1.girls"]').fill('4');
  await page.locator('input[name="answers.1.boys"]').fill('6');
  await page.locator('#staff_fte').fill('3,5');
  const costs = await page.locator('input[name^="costs."]').all();
  for (const [i, cost] of costs.entries()) await cost.fill(i === 0 ? '2 000 000' : '0');
}

test('a report-back from start to approval', async (t) => {
  const applicant = await newPage(browser);
  await login(applicant, PEOPLE.applicant);
  await visit(t, applicant, '/aterrapporter', { who: 'applicant' });
  await submit(applicant, applicant.getByRole('button', { name: /Börja återrapportera/ }).first());
  const editPath = new URL(applicant.url()).pathname;
  assert.match(
    editPath,
    /^\/aterrapporter\/[0-9a-f-]{36}\/redigera$/,
    `to the report's form, not ${applicant.url()}`,
  );
  const reportPath = editPath.replace(/\/redigera$/, '');
  await checkPage(t, applicant, '/aterrapporter/{id}/redigera', 'applicant');

  await fillReport(applicant, { children: 'tio' });
  await submit(applicant, applicant.getByRole('button', { name: 'Spara utkast', exact: true }));
  await checkPage(t, applicant, '/aterrapporter/{id}/redigera (refused, with errors)', 'applicant');
  await fillReport(applicant, { children: '10' });
  await submit(applicant, applicant.getByRole('button', { name: 'Spara utkast', exact: true }));
  await checkPage(t, applicant, '/aterrapporter/{id}/redigera (saved)', 'applicant');
  await visit(t, applicant, reportPath, {
    who: 'applicant',
    label: '/aterrapporter/{id} (draft, applicant)',
  });

  await visit(t, applicant, `${reportPath}/skicka-in`, { who: 'applicant' });
  for (const [id, value] of [
    ['#signer_name', 'Sara Persson'],
    ['#signer_role', 'Regiondirektör'],
  ]) {
    const field = applicant.locator(id);
    if ((await field.count()) && !(await field.inputValue())) await field.fill(value);
  }
  await submit(applicant, applicant.getByRole('button', { name: 'Lämna in återrapporteringen' }));
  await checkPage(t, applicant, '/aterrapporter/{id} (submitted, applicant)', 'applicant');

  const officer = await newPage(browser);
  await login(officer, PEOPLE.officer);
  await visit(t, officer, reportPath, {
    who: 'officer',
    label: '/aterrapporter/{id} (submitted, officer)',
  });
  const overview = await officer
    .locator('.breadcrumb a[href*="/aterrapporter"]')
    .first()
    .getAttribute('href');
  await visit(t, officer, overview, {
    who: 'officer',
    label: '/utlysningar/{id}/aterrapporter (a report in)',
  });
  await officer.goto(reportPath);
  await submit(officer, officer.getByRole('button', { name: 'Godkänn återrapporteringen' }));
  await checkPage(
    t,
    officer,
    '/aterrapporter/{id} (approved, repayment claim, officer)',
    'officer',
  );
  await visit(t, applicant, reportPath, {
    who: 'applicant',
    label: '/aterrapporter/{id} (approved, repayment claim, applicant)',
  });
});
