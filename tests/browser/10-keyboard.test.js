// Keyboard only (WCAG 2.1.1 Keyboard, 2.1.2 No keyboard trap, 2.4.3 Focus order, 2.4.7 Focus
// visible): three journeys done with Tab, Shift+Tab, Enter, Space, the arrow keys and
// typing, never the mouse, each from the start page, the one address a person types:
//
// 1. Västra Götalandsregionen's applicant logs in through the login form, starts an
//    application on an open call, fills in the title, every question, every budget cell
//    and a staff row (the personnel amount in words first: refused, the error summary's
//    link leads back to the field), saves the draft, goes on to "Granska och skicka in",
//    submits and reaches the receipt;
// 2. the same applicant files the report-back of 2021: the achievement of every expected
//    result (the arrow keys in its radio group), what they did and what hindered them, the
//    numbers of children (the call's counts field) and staff (the number in words first:
//    refused, and corrected from the error summary), the costs; saves, checks and hands it in;
// 3. the decision maker signs a prepared decision from the start page's list.
//
// What is not the person's part is set up with the mouse, as 2-application-journey does:
// the officer writes and publishes the call, and for journey 3 Region Östergötland applies
// and the officer assesses the application and prepares the decision. Every stop of a
// journey is checked (keyboard.js): focus visible and in the visual order at each Tab, and
// on every page the whole round from where the person is, at 1280 and 320 px: no trap.

const { test, before, after } = require('node:test');
const assert = require('node:assert');
const { launch, newPage, login, submit, fillCall, PEOPLE, PASSWORD } = require('./helpers');
const { KeyboardWalk } = require('./keyboard');

/** Applicants of the demo data (fixtures/demo/accounts.toml) the other files leave alone. */
const KEYBOARD_APPLICANT = 'sokande@vgregion.example'; // Västra Götalandsregionen
const MOUSE_APPLICANT = 'sokande@ostergotland.example'; // Region Östergötland

const CALL_TITLE = 'Statsbidrag för prov med tangentbordet';

let browser;
let callPath;
before(async () => {
  browser = await launch();
  // The officer's part, with the mouse: a call that is open from today, published.
  const officer = await newPage(browser);
  await login(officer, PEOPLE.officer);
  await officer.goto('/utlysningar/ny');
  await fillCall(officer, {
    code: 'tangentbord',
    title: CALL_TITLE,
    description: 'En utlysning som tangentbordstesterna skapar för att gå igenom en ansökan.',
  });
  await submit(officer, officer.getByRole('button', { name: /Spara|Skapa/ }).first());
  callPath = new URL(officer.url()).pathname;
  assert.match(callPath, /^\/utlysningar\/[0-9a-f-]{36}$/, `to the new call, not ${officer.url()}`);
  await submit(officer, officer.getByRole('button', { name: /Publicera/ }));
  await officer.context().close();
});
after(async () => browser && browser.close());

/**
 * Logs in by keyboard: the start page (typed), Tab to "Logga in" in the header, Enter, the
 * form's two fields, Tab to its button, Enter. Both pages are gone round.
 */
async function keyboardLogin(walk, email) {
  const { page } = walk;
  await page.goto('/');
  await walk.tabTo({ tag: 'a', label: 'Logga in' });
  await walk.cycle('/ (public)');
  await walk.pressAndWait();
  assert.strictEqual(walk.path, '/logga-in', `Enter on "Logga in" led to ${page.url()}`);
  await walk.fillField({ id: 'email' }, email);
  await walk.fillField({ id: 'password' }, PASSWORD);
  await walk.tabTo({ tag: 'button', label: 'Logga in' });
  await walk.cycle('/logga-in');
  await walk.pressAndWait();
  assert.notStrictEqual(walk.path, '/logga-in', 'the login form was refused');
}

/** The text of the page's h1 (reading the page is not using it). */
async function heading(page) {
  return (await page.locator('h1').first().textContent()).replace(/\s+/g, ' ').trim();
}

/** The number of error summaries on the page. */
async function errorSummaries(page) {
  return page.locator('.error-summary').count();
}

/** The page has no error summary, or the step fails with what it says. */
async function noErrors(page, what) {
  if (await errorSummaries(page)) {
    const text = await page.locator('.error-summary').first().textContent();
    assert.fail(`${what} was refused: ${text.replace(/\s+/g, ' ').trim()}`);
  }
}

/**
 * The checks' own test, on a made-up page with a fault of each kind planted: no skip link,
 * a button with its outline taken away, two links shown in the reverse of their order, a
 * link clipped out of sight, and a field that keeps Tab. All must be found, or the
 * journeys' "ok" would mean nothing. (Nothing is saved: these faults are meant.)
 */
test('keyboard: the checks find planted faults', async () => {
  const page = await newPage(browser);
  const walk = new KeyboardWalk(page, 'self-check', { record: false });
  try {
    await page.setContent(`<main>
      <p><a href="#a">Först</a>
        <button style="outline: none; box-shadow: none">Utan ring</button></p>
      <p style="display: flex; flex-direction: row-reverse; justify-content: flex-end; gap: 2rem">
        <a href="#b">Visas till höger</a><a href="#c">Visas till vänster</a></p>
      <div style="overflow: hidden; height: 0"><a href="#d">Utom synhåll</a></div>
      <p><label>Fälla
        <input onkeydown="if (event.key === 'Tab') event.preventDefault()"></label></p>
      <p><a href="#e">Efter fällan</a></p></main>`);
    await walk.cycle('a page with planted faults');
  } finally {
    await page.context().close();
  }
  const found = walk.faults.join('\n');
  const planted = {
    'no skip link': /: no-skip-link: the first Tab stop is .*"Först"/,
    'no focus indicator': /: focus-not-visible: .*"Utan ring".* draws no focus indicator/,
    'reversed order': /: focus-order: goes left on the same line: .*"Visas till vänster"/,
    'clipped link': /: focus-not-visible: .*"Utom synhåll".* is not on screen/,
    'trap': /: focus-trap: .*focus ends on .*"Fälla"/,
  };
  const missed = Object.keys(planted).filter((name) => !planted[name].test(found));
  const result = missed.length ? `missed ${missed.join(', ')}` : 'none missed';
  console.log(`[keyboard self-check] ${Object.keys(planted).length} kinds planted: ${result}`);
  assert.deepStrictEqual(missed, [], `the checks missed planted faults; they found:\n${found}`);
});

test('keyboard: an application from the open call to the receipt', async () => {
  const page = await newPage(browser);
  const walk = new KeyboardWalk(page, 'applicant-application');
  await walk.journey('an application from the open call to the receipt', async () => {
    await keyboardLogin(walk, KEYBOARD_APPLICANT);

    // The start page lists the open call; its link leads to the call's page.
    await walk.tabTo({ tag: 'a', label: CALL_TITLE });
    await walk.cycle('/ (applicant)');
    await walk.pressAndWait();
    assert.strictEqual(walk.path, callPath, `the call's link led to ${page.url()}`);

    await walk.tabTo({ tag: 'button', label: 'Börja en ansökan' });
    await walk.cycle('/utlysningar/{id} (open call)');
    await walk.pressAndWait();
    assert.match(walk.path, /^\/ansokningar\/[0-9a-f-]{36}\/redigera$/, `to ${page.url()}`);
    const casePath = walk.path.replace(/\/redigera$/, '');

    // The draft: the skip link first (the form starts below the header and a breadcrumb),
    // then every field in order down to "Spara utkast", the personnel amount in words.
    await walk.skipToContent();
    let year = '';
    const filled = await walk.fillAlong({ tag: 'button', label: 'Spara utkast' }, [
      [{ name: 'project_title' }, 'Tangentbordsprovets projekt'],
      [
        { tag: 'textarea', name: /^answers\./ },
        'Vi vill pröva ett nytt arbetssätt tillsammans med ungdomshemmet.',
      ],
      [
        { tag: 'input', name: /^budget\.\d{4}\.[^.]+$/ },
        async (stop) => {
          year = stop.name.split('.')[1];
          await walk.type(stop.name.endsWith('.personal') ? 'sexhundratusen' : '100 000');
        },
      ],
      [{ name: 'staff.0.year' }, async () => walk.type(year)],
      [{ name: 'staff.0.role' }, 'Samordnare'],
      [{ name: 'staff.0.fte_percent' }, '50'],
      [{ name: 'staff.0.months' }, '12'],
      [{ name: 'staff.0.cost' }, '300 000'],
    ]);
    assert.ok(filled.includes('project_title'), 'the title field was not on the way');
    assert.ok(filled.some((n) => n.startsWith('answers.')), 'no question on the way');
    assert.ok(filled.includes(`budget.${year}.personal`), 'no personnel cell on the way');
    assert.ok(filled.includes('staff.0.cost'), 'no staff row on the way');
    await walk.cycle('/ansokningar/{id}/redigera (filled in)');
    await walk.pressAndWait();
    assert.strictEqual(walk.path, `${casePath}/redigera`, `saving led to ${page.url()}`);
    assert.strictEqual(await errorSummaries(page), 1, 'the amount in words was not refused');

    // Refused: the error summary's link takes focus to the field; corrected, saved again.
    await walk.cycle('/ansokningar/{id}/redigera (refused, with errors)');
    const personnel = `budget.${year}.personal`;
    const field = await walk.followInPage({ tag: 'a', href: `#${personnel}` });
    if (field.name !== personnel) await walk.tabTo({ name: personnel });
    await walk.type('600 000');
    await walk.tabTo({ tag: 'button', label: 'Spara utkast' });
    await walk.pressAndWait();
    await noErrors(page, 'saving the draft');
    assert.strictEqual(walk.path, `${casePath}/redigera`, `saving led to ${page.url()}`);

    // Saved: on to the review, by Shift+Tab from the top (the button ends the form, and
    // only the attachments and the footer come after it).
    const review = { tag: 'button', label: 'Spara och granska inför inskickning' };
    await walk.tabTo(review, { back: true });
    await walk.cycle('/ansokningar/{id}/redigera (saved)');
    await walk.pressAndWait();
    await noErrors(page, 'the draft');
    assert.strictEqual(walk.path, `${casePath}/skicka-in`, `the review led to ${page.url()}`);
    assert.strictEqual(await heading(page), 'Granska och skicka in');

    await walk.tabTo({ tag: 'button', label: 'Skicka in ansökan' });
    await walk.cycle('/ansokningar/{id}/skicka-in');
    await walk.pressAndWait();
    assert.match(walk.path, /\/kvitto$/, `to the receipt, not ${page.url()}`);
    assert.strictEqual(await heading(page), 'Ansökan har kommit in');
    await walk.cycle('/ansokningar/{id}/kvitto');
  });
});

test('keyboard: a report-back from the list to handed in', async () => {
  const page = await newPage(browser);
  const walk = new KeyboardWalk(page, 'applicant-report');
  await walk.journey('a report-back from the list to handed in', async () => {
    await keyboardLogin(walk, KEYBOARD_APPLICANT);

    await walk.tabTo({ tag: 'a', label: 'Återrapportering av beviljade statsbidrag' });
    await walk.cycle('/ (applicant)');
    await walk.pressAndWait();
    assert.strictEqual(walk.path, '/aterrapporter', `the link led to ${page.url()}`);

    await walk.tabTo({ tag: 'button', label: 'Börja återrapportera 2021' });
    await walk.cycle('/aterrapporter');
    await walk.pressAndWait();
    assert.match(walk.path, /^\/aterrapporter\/[0-9a-f-]{36}\/redigera$/, `to ${page.url()}`);
    const reportPath = walk.path.replace(/\/redigera$/, '');

    // Every expected result: the second achievement ("partly": ArrowDown from the first
    // radio, where Tab lands in a group with none chosen), what was done, what hindered;
    // then the numbers (the number of children in words: refused) and the costs.
    let firstCost = true;
    const filled = await walk.fillAlong({ tag: 'button', label: 'Spara utkast' }, [
      [
        { tag: 'input', type: 'radio', name: /\.achievement$/ },
        async (stop) => {
          if (stop.checked) return; // a group already answered is left as it is
          const moved = await walk.press('ArrowDown');
          assert.ok(moved.checked, `ArrowDown in ${stop.name} did not choose ${moved.describe}`);
        },
      ],
      [{ tag: 'textarea', name: /\.activities$/ }, 'Teamet har arbetat på ungdomshemmet.'],
      [{ tag: 'textarea', name: /\.obstacles$/ }, 'Svårt att rekrytera läkare.'],
      // The counts: the 2020 call's counts field, number 1 of its report-back form.
      [{ id: 'answers.1.total' }, 'tio'],
      [{ id: 'answers.1.girls' }, '4'],
      [{ id: 'answers.1.boys' }, '6'],
      [{ id: 'staff_fte' }, '3,5'],
      [
        { tag: 'input', name: /^costs\./ },
        async () => {
          await walk.type(firstCost ? '4 000 000' : '0');
          firstCost = false;
        },
      ],
    ]);
    for (const name of ['answers.1.total', 'answers.1.girls', 'answers.1.boys', 'staff_fte']) {
      assert.ok(filled.includes(name), `${name} was not on the way`);
    }
    assert.ok(filled.some((n) => /\.achievement$/.test(n)), 'no achievement on the way');
    assert.ok(!firstCost, 'no cost on the way');
    await walk.cycle('/aterrapporter/{id}/redigera (filled in)');
    await walk.pressAndWait();
    assert.strictEqual(walk.path, `${reportPath}/redigera`, `saving led to ${page.url()}`);
    assert.strictEqual(await errorSummaries(page), 1, 'the number in words was not refused');

    // Refused: the error summary's link takes focus to the field; corrected, saved again.
    await walk.cycle('/aterrapporter/{id}/redigera (refused, with errors)');
    const field = await walk.followInPage({ tag: 'a', href: '#answers.1.total' });
    if (field.id !== 'answers.1.total') await walk.tabTo({ id: 'answers.1.total' });
    await walk.type('10');
    await walk.tabTo({ tag: 'button', label: 'Spara utkast' });
    await walk.pressAndWait();
    await noErrors(page, 'saving the report');
    assert.strictEqual(walk.path, `${reportPath}/redigera`, `saving led to ${page.url()}`);

    // Saved: on to the check, by Shift+Tab from the top (only the footer is below it).
    await walk.tabTo({ tag: 'button', label: 'Spara och granska inför inlämning' }, { back: true });
    await walk.cycle('/aterrapporter/{id}/redigera (saved)');
    await walk.pressAndWait();
    await noErrors(page, 'the report');
    assert.strictEqual(walk.path, `${reportPath}/skicka-in`, `the check led to ${page.url()}`);

    // Name and role of the one who hands it in, typed over what the form suggests.
    await walk.fillField({ id: 'signer_name' }, 'Johan Karlsson');
    await walk.fillField({ id: 'signer_role' }, 'Regiondirektör');
    await walk.tabTo({ tag: 'button', label: 'Lämna in återrapporteringen' });
    await walk.cycle('/aterrapporter/{id}/skicka-in');
    await walk.pressAndWait();
    await noErrors(page, 'handing in the report');
    assert.strictEqual(walk.path, reportPath, `handing in led to ${page.url()}`);
    await walk.cycle('/aterrapporter/{id} (handed in)');
  });
});

/** The mouse's part before journey 3: an application by Region Östergötland, prepared. */
async function prepareDecision() {
  const applicant = await newPage(browser);
  await login(applicant, MOUSE_APPLICANT);
  await applicant.goto(callPath);
  await submit(applicant, applicant.getByRole('button', { name: /Börja en ansökan/ }));
  const casePath = new URL(applicant.url()).pathname.replace(/\/redigera$/, '');
  await applicant.locator('[name="project_title"]').fill('Östergötlands prov');
  for (const answer of await applicant.locator('textarea[name^="answers."]').all()) {
    await answer.fill('Vi vill pröva ett nytt arbetssätt.');
  }
  for (const cell of await applicant.locator('input.amount[name^="budget."]').all()) {
    await cell.fill('100 000');
  }
  await submit(applicant, applicant.getByRole('button', { name: 'Spara utkast', exact: true }));
  await applicant.goto(`${casePath}/skicka-in`);
  await submit(applicant, applicant.getByRole('button', { name: 'Skicka in ansökan' }));
  assert.match(applicant.url(), /\/kvitto/, `(mouse) to the receipt, not ${applicant.url()}`);
  const dnr = (await applicant.locator('.receipt dd strong').first().textContent()).trim();
  await applicant.context().close();

  const officer = await newPage(browser);
  await login(officer, PEOPLE.officer);
  await officer.goto(casePath);
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
  await submit(officer, officer.getByRole('button', { name: 'Bered beslut' }));
  await officer.context().close();
  return { casePath, dnr };
}

test('keyboard: the decision maker signs a prepared decision', async () => {
  const { casePath, dnr } = await prepareDecision();

  const page = await newPage(browser);
  const walk = new KeyboardWalk(page, 'decision-maker');
  await walk.journey('the decision maker signs a prepared decision', async () => {
    await keyboardLogin(walk, PEOPLE.decisionMaker);
    // "Beredda beslut som väntar på beslutsfattare", each "{dnr}, {organisation}: {kind}".
    await walk.tabTo({ tag: 'a', label: (label) => label.startsWith(`${dnr}, `) });
    await walk.cycle('/ (decision maker, a decision to sign)');
    await walk.pressAndWait();
    assert.strictEqual(walk.path, casePath, `the decision's link led to ${page.url()}`);

    // Signed with Space, the other key that presses a button.
    await walk.tabTo({ tag: 'button', label: 'Fatta beslutet' });
    await walk.cycle('/ansokningar/{id} (signing view)');
    await walk.pressAndWait('Space');
    await noErrors(page, 'signing');
    assert.strictEqual(walk.path, casePath, `signing led to ${page.url()}`);
    const left = await page.getByRole('button', { name: 'Fatta beslutet' }).count();
    assert.strictEqual(left, 0, 'the decision is still there to sign');
    await walk.cycle('/ansokningar/{id} (signed)');
  });
});
