// The form builder (issue 15): an officer builds a draft call's application form on the
// pages. With the mouse: fields of several types are added (yes/no; a single choice, whose
// options are asked for on the field's own page; a table with its columns; an amount; a
// question shown only when the yes/no question is answered yes), one is moved up, and the
// form is previewed as an applicant sees it. The editor, the field page (as first shown,
// with the settings it still needs, and as saved) and the preview are checked with axe at
// 1280 and 320 px and for reflow at 320 px (helpers.js). By keyboard only (keyboard.js):
// a field added, its condition set on its own page, a field moved, and the preview opened,
// every page gone round with Tab at both widths.
//
// The draft call is written with the mouse through /utlysningar/ny, as the other files do;
// each test makes its own, so that the two never see each other's fields.

const { test, before, after } = require('node:test');
const assert = require('node:assert');
const { launch, newPage, login, submit, fillCall, checkPage, PEOPLE } = require('./helpers');
const { KeyboardWalk } = require('./keyboard');

let browser;
before(async () => {
  browser = await launch();
});
after(async () => browser && browser.close());

/** A draft call written through the call form; the path of its form editor. */
async function draftCall(page, code) {
  await page.goto('/utlysningar/ny');
  await fillCall(page, {
    code,
    title: `Utlysning för formulärbyggaren (${code})`,
    description: 'En utlysning som testerna av formulärbyggaren skapar.',
  });
  await submit(page, page.getByRole('button', { name: /Spara|Skapa/ }).first());
  const callPath = new URL(page.url()).pathname;
  assert.match(callPath, /^\/utlysningar\/[0-9a-f-]{36}$/, `to the new call, not ${page.url()}`);
  return `${callPath}/formular`;
}

/** The titles of the editor's list, in order ("1. Projektets inriktning", ...). */
async function listed(page) {
  const titles = await page.locator('ol.form-field-list > li strong').allTextContents();
  return titles.map((t) => t.replace(/\s+/g, ' ').trim());
}

/** The number a listed title has ("3. Huvudman" → 3). */
async function numberOf(page, title) {
  const entry = (await listed(page)).find((t) => t.endsWith(`. ${title}`));
  assert.ok(entry, `"${title}" is not listed: ${(await listed(page)).join(', ')}`);
  return Number(entry.split('.')[0]);
}

/** The page has no error summary, or the step fails with what it says. */
async function noErrors(page, what) {
  const summary = page.locator('.error-summary');
  if (await summary.count()) {
    const text = (await summary.first().textContent()).replace(/\s+/g, ' ').trim();
    assert.fail(`${what} was refused: ${text}`);
  }
}

/** Adds a field from the editor's "Lägg till en fråga" form, last. */
async function addField(page, title, kind) {
  await page.locator('#ny-title').fill(title);
  await page.locator('#ny-kind').selectOption(kind);
  await submit(page, page.getByRole('button', { name: 'Lägg till', exact: true }));
}

test('form builder: fields of several types added, moved and previewed', async (t) => {
  const page = await newPage(browser);
  try {
    await login(page, PEOPLE.officer);
    const editor = await draftCall(page, 'formularbyggare');
    await page.goto(`${editor}?form=application`);
    assert.deepStrictEqual(await listed(page), ['1. Projektets inriktning']);
    await checkPage(t, page, '/utlysningar/{id}/formular (one question)', 'officer');

    // Yes/no and an amount need no settings: added at once.
    await addField(page, 'Samverkar ni med kommunen?', 'yes_no');
    await noErrors(page, 'the yes/no question');
    await addField(page, 'Egen finansiering', 'amount');
    await noErrors(page, 'the amount');

    // A single choice: its options are asked for on the field's page, beside the field.
    await addField(page, 'Huvudman', 'single_choice');
    assert.match(new URL(page.url()).pathname, /\/formular\/application\/ny$/);
    assert.strictEqual(await page.locator('.error-summary').count(), 1, 'options are asked for');
    await checkPage(t, page, '/utlysningar/{id}/formular/{form}/ny (options to fill in)', 'officer');
    await page.locator('[id="options"]').fill('region|Regionen\nkommun|Kommunen');
    await submit(page, page.getByRole('button', { name: 'Lägg till frågan' }));
    await noErrors(page, 'the single choice');

    // A table, with its columns.
    await addField(page, 'Insatser', 'table');
    await page
      .locator('[id="columns"]')
      .fill('insats|Insats|kort text|obligatorisk\nkostnad|Kostnad|belopp i kronor');
    await submit(page, page.getByRole('button', { name: 'Lägg till frågan' }));
    await noErrors(page, 'the table');

    // A question asked only when the yes/no question is answered yes: set on its page.
    await addField(page, 'Beskriv samverkan', 'long_text');
    await noErrors(page, 'the long text');
    const described = await numberOf(page, 'Beskriv samverkan');
    const yesNo = await numberOf(page, 'Samverkar ni med kommunen?');
    await submit(page, page.getByRole('link', { name: `Ändra fråga ${described}` }));
    await checkPage(t, page, '/utlysningar/{id}/formular/{form}/{position}', 'officer');
    await page.locator('#show_when').selectOption(String(yesNo));
    await page.locator('#show_when_equals').fill('ja');
    await submit(page, page.getByRole('button', { name: 'Spara frågan' }));
    await noErrors(page, 'the condition');
    assert.ok(
      (await page.locator('main').textContent()).includes(
        `Besvaras bara om svaret på fråga ${yesNo} (Samverkar ni med kommunen?) är Ja.`,
      ),
      'the editor shows the condition',
    );

    // The amount moved up one place, before the yes/no question.
    const amount = await numberOf(page, 'Egen finansiering');
    await submit(page, page.getByRole('button', { name: `Flytta upp fråga ${amount}` }));
    await noErrors(page, 'the move');
    assert.strictEqual(await numberOf(page, 'Egen finansiering'), amount - 1);
    assert.strictEqual(await numberOf(page, 'Samverkar ni med kommunen?'), amount);
    assert.strictEqual((await listed(page)).length, 6);
    await checkPage(t, page, '/utlysningar/{id}/formular (six questions)', 'officer');

    // The preview: the form as the applicant gets it.
    await submit(page, page.getByRole('link', { name: 'Förhandsgranska som sökande' }));
    assert.match(new URL(page.url()).pathname, /\/formular\/forhandsgranska$/);
    const preview = await page.locator('main').textContent();
    for (const title of ['Huvudman', 'Regionen', 'Kommunen', 'Insatser', 'Kostnad', 'Egen finansiering']) {
      assert.ok(preview.includes(title), `the preview lacks "${title}"`);
    }
    await checkPage(t, page, '/utlysningar/{id}/formular/forhandsgranska', 'officer');
  } finally {
    await page.context().close();
  }
});

/**
 * Chooses an option of the focused select by the arrow keys (as a keyboard user does on a
 * closed select); stuck if no press reaches it.
 */
async function chooseByArrows(walk, selector, value) {
  const select = walk.page.locator(selector);
  const count = await select.locator('option').count();
  for (let i = 0; i <= count && (await select.inputValue()) !== value; i += 1) {
    await walk.press('ArrowDown');
  }
  for (let i = 0; i <= count && (await select.inputValue()) !== value; i += 1) {
    await walk.press('ArrowUp');
  }
  if ((await select.inputValue()) !== value) {
    await walk.stuck(`the arrow keys did not choose ${value} in ${selector}`);
  }
}

test('keyboard: the form builder by keyboard only', async () => {
  // The officer's login and the draft call are not the part under test: with the mouse.
  const page = await newPage(browser);
  await login(page, PEOPLE.officer);
  const editor = await draftCall(page, 'formular-tangentbord');
  const walk = new KeyboardWalk(page, 'officer-form-builder');
  await walk.journey('a field added, given a condition, moved, and the form previewed', async () => {
    await page.goto(`${editor}?form=application`);

    // A yes/no question, added from the form below the list.
    await walk.skipToContent();
    await walk.fillField({ id: 'ny-title' }, 'Samverkar ni med kommunen?');
    await walk.tabTo({ id: 'ny-kind' });
    await chooseByArrows(walk, '#ny-kind', 'yes_no');
    await walk.tabTo({ tag: 'button', label: 'Lägg till' });
    await walk.cycle('/utlysningar/{id}/formular (one question)');
    await walk.pressAndWait();
    await noErrors(page, 'the yes/no question');
    assert.deepStrictEqual(await listed(page), [
      '1. Projektets inriktning',
      '2. Samverkar ni med kommunen?',
    ]);

    // A short text, then its condition on its own page: shown only when 2 is yes.
    await walk.fillField({ id: 'ny-title' }, 'Med vilken kommun?');
    await walk.tabTo({ tag: 'button', label: 'Lägg till' });
    await walk.pressAndWait();
    await noErrors(page, 'the short text');
    assert.strictEqual(await numberOf(page, 'Med vilken kommun?'), 3);
    await walk.tabTo({ tag: 'a', label: 'Ändra fråga 3' });
    await walk.pressAndWait();
    assert.match(walk.path, /\/formular\/application\/3$/, `to the field's page, not ${page.url()}`);
    await walk.cycle('/utlysningar/{id}/formular/{form}/{position}');
    await walk.tabTo({ id: 'show_when' });
    await chooseByArrows(walk, '#show_when', '2');
    await walk.fillField({ id: 'show_when_equals' }, 'ja');
    await walk.tabTo({ tag: 'button', label: 'Spara frågan' });
    await walk.pressAndWait();
    await noErrors(page, 'the condition');
    assert.ok(
      (await page.locator('main').textContent()).includes(
        'Besvaras bara om svaret på fråga 2 (Samverkar ni med kommunen?) är Ja.',
      ),
      'the editor shows the condition',
    );

    // The yes/no question moved above the first: Shift+Tab is not needed, its button is
    // in the list, before the add form.
    await walk.tabTo({ tag: 'button', label: 'Flytta upp fråga 2' }, { back: true });
    await walk.cycle('/utlysningar/{id}/formular (three questions)');
    await walk.pressAndWait();
    await noErrors(page, 'the move');
    assert.strictEqual(await numberOf(page, 'Samverkar ni med kommunen?'), 1);
    assert.strictEqual(await numberOf(page, 'Projektets inriktning'), 2);

    // The preview, from the editor's link.
    await walk.tabTo({ tag: 'a', label: 'Förhandsgranska som sökande' });
    await walk.pressAndWait();
    assert.match(walk.path, /\/formular\/forhandsgranska$/, `to the preview, not ${page.url()}`);
    await walk.cycle('/utlysningar/{id}/formular/forhandsgranska');
  });
});
