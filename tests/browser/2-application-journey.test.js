// An application from the call to the decision, as the people click it, with every page
// on the way checked: the officer writes and publishes a call that is open today, Region
// Skåne's applicant drafts (once with a mistake), checks and submits it and gets the
// receipt, the officer asks for a supplement and the applicant answers it, the officer
// marks it complete, assesses it, proposes and prepares the decision, and the decision
// maker signs it in the signing view.

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
  onePagePdf,
  fillCall,
  PEOPLE,
} = require('./helpers');

let browser;
before(async () => {
  browser = await launch();
});
after(async () => browser && browser.close());

const CALL_TITLE = 'Statsbidrag för prov av webbläsartester';

/** The applicant fills in the draft: title, every answer, every budget cell. */
async function fillApplication(page, amount) {
  await page.locator('[name="project_title"]').fill('Webbläsarprovets projekt');
  for (const answer of await page.locator('textarea[name^="answers."]').all()) {
    await answer.fill('Vi vill pröva ett nytt arbetssätt tillsammans med ungdomshemmet.');
  }
  for (const cell of await page.locator('input.amount[name^="budget."]').all()) {
    await cell.fill(amount);
  }
}

test('an application from call to signed decision', async (t) => {
  const officer = await newPage(browser);
  await login(officer, PEOPLE.officer);

  // The officer writes the call: the empty form, the form refused, the draft, publishing.
  await visit(t, officer, '/utlysningar/ny', { who: 'officer' });
  await submit(officer, officer.getByRole('button', { name: /Spara|Skapa/ }).first());
  assert.strictEqual(new URL(officer.url()).pathname, '/utlysningar/ny');
  await checkPage(t, officer, '/utlysningar/ny (refused, with errors)', 'officer');
  await fillCall(officer, {
    code: 'webblasare',
    title: CALL_TITLE,
    description: 'En utlysning som webbläsartesterna skapar för att gå igenom en ansökan.',
  });
  await submit(officer, officer.getByRole('button', { name: /Spara|Skapa/ }).first());
  const callPath = new URL(officer.url()).pathname;
  assert.match(
    callPath,
    /^\/utlysningar\/[0-9a-f-]{36}$/,
    `to the new call's page, not ${officer.url()}`,
  );
  await checkPage(t, officer, '/utlysningar/{id} (draft call, officer)', 'officer');
  await visit(t, officer, `${callPath}/redigera`, {
    who: 'officer',
    label: '/utlysningar/{id}/redigera (draft)',
  });
  await officer.goto(callPath);
  await submit(officer, officer.getByRole('button', { name: /Publicera/ }));
  await checkPage(t, officer, '/utlysningar/{id} (published call, officer)', 'officer');

  // Region Skåne applies.
  const applicant = await newPage(browser);
  await login(applicant, PEOPLE.applicant);
  await checkPage(t, applicant, '/ (applicant, an open call)', 'applicant');
  await visit(t, applicant, callPath, {
    who: 'applicant',
    label: '/utlysningar/{id} (open call, applicant)',
  });
  await submit(applicant, applicant.getByRole('button', { name: /Börja en ansökan/ }));
  const editPath = new URL(applicant.url()).pathname;
  assert.match(
    editPath,
    /^\/ansokningar\/[0-9a-f-]{36}\/redigera$/,
    `to the draft, not ${applicant.url()}`,
  );
  const casePath = editPath.replace(/\/redigera$/, '');
  await checkPage(t, applicant, '/ansokningar/{id}/redigera', 'applicant');

  await fillApplication(applicant, 'tio kronor');
  await submit(applicant, applicant.getByRole('button', { name: 'Spara utkast', exact: true }));
  await checkPage(t, applicant, '/ansokningar/{id}/redigera (refused, with errors)', 'applicant');
  await fillApplication(applicant, '100 000');
  await submit(applicant, applicant.getByRole('button', { name: 'Spara utkast', exact: true }));
  await checkPage(t, applicant, '/ansokningar/{id}/redigera (saved)', 'applicant');
  // An attachment: a PDF chosen and uploaded with the draft, then listed by its name.
  await applicant.locator('#file').setInputFiles({
    name: 'budgetunderlag.pdf',
    mimeType: 'application/pdf',
    buffer: onePagePdf(),
  });
  await submit(
    applicant,
    applicant.getByRole('button', { name: 'Spara utkastet och ladda upp bilagan' }),
  );
  assert.ok(
    await applicant.getByRole('link', { name: 'budgetunderlag.pdf' }).isVisible(),
    'the uploaded attachment is listed on the draft',
  );
  await checkPage(t, applicant, '/ansokningar/{id}/redigera (with an attachment)', 'applicant');
  await visit(t, applicant, casePath, {
    who: 'applicant',
    label: '/ansokningar/{id} (draft, applicant)',
  });

  await visit(t, applicant, `${casePath}/skicka-in`, { who: 'applicant' });
  await submit(applicant, applicant.getByRole('button', { name: 'Skicka in ansökan' }));
  assert.match(applicant.url(), /\/kvitto/, `to the receipt, not ${applicant.url()}`);
  await checkPage(t, applicant, '/ansokningar/{id}/kvitto', 'applicant');
  await visit(t, applicant, casePath, {
    who: 'applicant',
    label: '/ansokningar/{id} (submitted, applicant)',
  });

  // The officer asks for a supplement, and the applicant answers it.
  await visit(t, officer, casePath, {
    who: 'officer',
    label: '/ansokningar/{id} (submitted, officer)',
  });
  await officer.locator('#message').fill('Beskriv hur ungdomshemmet deltar i arbetet.');
  await officer.locator('#due_on').fill(dayFromToday(14));
  await submit(officer, officer.getByRole('button', { name: 'Skicka begäran' }));
  await checkPage(t, officer, '/ansokningar/{id} (supplement requested, officer)', 'officer');
  await visit(t, applicant, casePath, {
    who: 'applicant',
    label: '/ansokningar/{id} (supplement requested, applicant)',
  });
  await submit(applicant, applicant.getByRole('button', { name: 'Svara på kompletteringen' }));
  await checkPage(t, applicant, '/ansokningar/{id}/redigera (answering a supplement)', 'applicant');
  await applicant.locator('#supplement_answer').fill('Ungdomshemmets chef deltar i styrgruppen.');
  await submit(
    applicant,
    applicant.getByRole('button', { name: 'Spara och granska inför inskickning' }),
  );
  await checkPage(t, applicant, '/ansokningar/{id}/skicka-in (a supplement)', 'applicant');
  await submit(applicant, applicant.getByRole('button', { name: 'Skicka in ansökan' }));
  assert.match(applicant.url(), /\/kvitto/, `to the receipt, not ${applicant.url()}`);

  // The officer assesses it and prepares the decision.
  await visit(t, officer, casePath, {
    who: 'officer',
    label: '/ansokningar/{id} (supplemented, officer)',
  });
  const complete = officer.getByRole('button', { name: 'Markera ansökan som komplett' });
  if (await complete.count()) await submit(officer, complete);
  for (const fieldset of await officer.locator('form[action$="/bedomning"] fieldset').all()) {
    await fieldset.locator('input[type=radio]').first().check();
    await fieldset.locator('textarea').fill('Uppfyllt.');
  }
  await submit(officer, officer.getByRole('button', { name: 'Spara bedömningen' }));
  await officer.locator('#rec-grant').check();
  await officer
    .locator('form[action$="/forslag"] textarea[name="reasons"]')
    .fill('Ansökan uppfyller kriterierna.');
  await submit(officer, officer.getByRole('button', { name: 'Lämna förslaget' }));
  await checkPage(t, officer, '/ansokningar/{id} (assessed, officer)', 'officer');
  await submit(officer, officer.getByRole('button', { name: 'Bered beslut' }));
  await checkPage(t, officer, '/ansokningar/{id} (decision prepared, officer)', 'officer');

  // The decision maker finds it on the start page and signs it.
  const decisionMaker = await newPage(browser);
  await login(decisionMaker, PEOPLE.decisionMaker);
  await checkPage(t, decisionMaker, '/ (decision maker, a decision to sign)', 'decision-maker');
  await visit(t, decisionMaker, casePath, {
    who: 'decision-maker',
    label: '/ansokningar/{id} (signing view)',
  });
  await submit(decisionMaker, decisionMaker.getByRole('button', { name: 'Fatta beslutet' }));
  await checkPage(t, decisionMaker, '/ansokningar/{id} (signed, decision maker)', 'decision-maker');

  // The applicant sees the decision.
  await visit(t, applicant, casePath, {
    who: 'applicant',
    label: '/ansokningar/{id} (granted, applicant)',
  });

  // The officer marks the grant's first planned payment as paid: first without the day
  // (refused, the choice kept), then with the day and the finance system's reference.
  await visit(t, officer, `${callPath}/utbetalningar`, {
    who: 'officer',
    label: '/utlysningar/{id}/utbetalningar (planned)',
  });
  await officer.locator('input[name="payment_ids"]').first().check();
  await submit(officer, officer.getByRole('button', { name: 'Markera som utbetalda' }));
  await checkPage(t, officer, '/utlysningar/{id}/utbetalningar (refused, with errors)', 'officer');
  const chosen = officer.locator('input[name="payment_ids"]:checked');
  assert.strictEqual(await chosen.count(), 1, 'the chosen payment stays chosen');
  await officer.locator('#paid_on').fill(dayFromToday(0));
  await officer.locator('#reference').fill('VER-2026-0042');
  await submit(officer, officer.getByRole('button', { name: 'Markera som utbetalda' }));
  assert.match(
    await officer.locator('.flash').innerText(),
    /Utbetalningarna är markerade som utbetalda/,
  );
  assert.ok(await officer.getByRole('cell', { name: 'VER-2026-0042' }).isVisible());
  await checkPage(t, officer, '/utlysningar/{id}/utbetalningar (marked paid)', 'officer');
});
