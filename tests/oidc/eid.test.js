// Logging in with e-legitimation through a real OpenID provider (provider.js: oidc-provider
// on the loopback), in the system Chromium: the login page, the provider's own pages, the
// first-login page and back; the person recognised the next time; a login cancelled at the
// provider, a forged and a replayed answer refused; a fresh e-legitimation to sign with, and
// another person's refused. The service's pages are checked with axe-core at 1280 and 320
// px. Run by .ci/oidc, which starts the provider and the service.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { BASE_URL, PEOPLE, atProvider, checkPage, eidLogin, eidSign, launch, newPage } from './helpers.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const CALLBACK = '/logga-in/e-legitimation/svar';

test('the login page offers e-legitimation above the password form', async (t) => {
  const page = await newPage(browser);
  await page.goto('/logga-in');
  const button = page.getByRole('link', { name: 'Logga in med e-legitimation' });
  await button.waitFor();
  assert.ok(await page.getByLabel('Lösenord', { exact: true }).isVisible());
  const [eid, password] = await Promise.all([
    button.boundingBox(),
    page.getByLabel('Lösenord', { exact: true }).boundingBox(),
  ]);
  assert.ok(eid.y < password.y, 'the e-legitimation button comes first');
  await checkPage(t, page, 'login with e-legitimation');
  await page.context().close();
});

test('a first login asks for an e-mail address; the next login recognises the person', async (t) => {
  const person = PEOPLE.tolvan;
  const page = await newPage(browser);
  let answer = '';
  page.on('request', (request) => {
    if (request.url().includes(CALLBACK)) answer = request.url();
  });
  await page.goto('/logga-in');
  await page.getByRole('link', { name: 'Logga in med e-legitimation' }).click();
  await atProvider(page, person);
  assert.equal(new URL(page.url()).pathname, '/forsta-inloggningen');
  const main = page.locator('main');
  await main.getByText(`${person.given} ${person.family}`).waitFor();
  await main.getByText(person.masked).waitFor();
  assert.ok(!(await main.textContent()).includes(person.pin), 'the whole number is never shown');
  await checkPage(t, page, 'first login');

  // Nothing typed, then something that is no address: a message beside the field, the
  // typed value kept.
  const email = page.getByLabel('E-postadress');
  const create = page.getByRole('button', { name: 'Skapa kontot och fortsätt' });
  await Promise.all([page.waitForLoadState(), create.click()]);
  await page.locator('#email-fel').getByText('Ange din e-postadress.').waitFor();
  await email.fill('tolvan.example.se');
  await Promise.all([page.waitForURL('**/forsta-inloggningen'), create.click()]);
  await page.locator('#email-fel').getByText('Ange en giltig e-postadress').waitFor();
  assert.equal(await email.inputValue(), 'tolvan.example.se');
  assert.equal(await email.getAttribute('aria-invalid'), 'true');
  await checkPage(t, page, 'first login, refused address');

  await email.fill('tolvan@example.se');
  await Promise.all([page.waitForURL((url) => url.pathname === '/'), create.click()]);
  assert.equal((await page.locator('.who-name').textContent()).trim(), 'Tolvan Tolvansson');
  await page.goto('/konto');
  await page.locator('main').getByText(person.masked).waitFor();
  assert.ok(!(await page.locator('main').textContent()).includes(person.pin));

  // The provider's answer was used; given again (same browser, then another) it opens nothing.
  assert.ok(answer.includes('code='), answer);
  await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.getByRole('button', { name: 'Logga ut' }).click()]);
  let response = await page.goto(answer);
  assert.equal(response.status(), 400);
  await page.getByText('hör inte till en inloggning som pågår').first().waitFor();
  await page.context().close();
  const stranger = await newPage(browser);
  response = await stranger.goto(answer);
  assert.equal(response.status(), 400);
  assert.equal(await stranger.locator('.who-name').count(), 0, 'nobody is logged in');
  await stranger.context().close();

  // Another day, another browser: recognised at once, no first-login page.
  const again = await newPage(browser);
  await eidLogin(again, person);
  assert.equal(new URL(again.url()).pathname, '/');
  assert.equal((await again.locator('.who-name').textContent()).trim(), 'Tolvan Tolvansson');
  await again.context().close();
});

test('a coordination number is accepted and shown masked', async () => {
  const person = PEOPLE.cecilia;
  const page = await newPage(browser);
  await page.goto('/logga-in');
  await page.getByRole('link', { name: 'Logga in med e-legitimation' }).click();
  await atProvider(page, person);
  assert.equal(new URL(page.url()).pathname, '/forsta-inloggningen');
  await page.locator('main').getByText(person.masked).waitFor();
  await page.context().close();
});

test('a login cancelled at the provider is told in Swedish', async (t) => {
  const page = await newPage(browser);
  await page.goto('/logga-in');
  await page.getByRole('link', { name: 'Logga in med e-legitimation' }).click();
  await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
  await Promise.all([
    page.waitForURL((url) => url.pathname === CALLBACK),
    page.getByRole('link', { name: /Cancel/ }).click(),
  ]);
  await page.getByText('Du avbröt inloggningen med e-legitimation').first().waitFor();
  assert.equal(await page.locator('.who-name').count(), 0);
  await checkPage(t, page, 'login cancelled');
  await page.context().close();
});

test('a forged answer is refused', async (t) => {
  const page = await newPage(browser);
  await page.goto('/logga-in');
  await page.getByRole('link', { name: 'Logga in med e-legitimation' }).click();
  await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
  // A login is pending, but this answer is not its own.
  const response = await page.goto(`${BASE_URL}${CALLBACK}?code=forged&state=forged`);
  assert.equal(response.status(), 400);
  await page.getByText('hör inte till en inloggning som pågår').first().waitFor();
  assert.equal(await page.locator('.who-name').count(), 0);
  await checkPage(t, page, 'forged answer');
  await page.context().close();
});

test('signing asks for a fresh e-legitimation of the person themselves', async (t) => {
  const person = PEOPLE.anna;
  const page = await newPage(browser);
  await eidLogin(page, person, { email: 'anna@example.se', next: '/konto' });
  assert.equal(new URL(page.url()).pathname, '/konto');

  // Their own e-legitimation: back where they came from.
  await eidSign(page, person, '/konto');
  assert.equal(new URL(page.url()).pathname, '/konto');

  // Someone else's: refused, with the way back.
  await eidSign(page, PEOPLE.bertil, '/konto');
  await page.getByText('en annan persons e-legitimation').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Tillbaka' }).getAttribute('href'), '/konto');
  await checkPage(t, page, 'signature refused');
  await page.context().close();
});
