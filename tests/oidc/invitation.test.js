// An invitation taken up with e-legitimation (issue 14): Region Skåne's ombud (the demo
// person, logged in with a password) invites a representative; the invited person opens the
// link from the e-mail, logs in with e-legitimation at the provider instead of choosing a
// password, and acts for Region Skåne as representative, recognised by their number from
// then on. Uses Bertil (eid.test.js uses the other test people).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { PASSWORD, PEOPLE, atProvider, checkPage, eidLogin, launch, newPage } from './helpers.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The invitation link of the newest e-mail to `email` in the service's outbox. */
async function invitationLink(email) {
  const dir = process.env.OUTBOX_DIR;
  assert.ok(dir, 'OUTBOX_DIR is set');
  for (let i = 0; i < 40; i += 1) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
    for (const file of files) {
      const text = fs
        .readFileSync(path.join(dir, file), 'utf8')
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
      const link = text.match(/\/valj-losenord\/[A-Za-z0-9_-]+/);
      if (text.includes(email) && link) return link[0];
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no invitation to ${email} in ${dir}`);
}

test('an invited representative takes up the invitation with e-legitimation', async (t) => {
  // The ombud invites Bertil as representative.
  const ombud = await newPage(browser);
  await ombud.goto('/logga-in');
  await ombud.getByLabel('E-postadress', { exact: true }).fill('sokande@skane.example');
  await ombud.getByLabel('Lösenord', { exact: true }).fill(PASSWORD);
  await Promise.all([
    ombud.waitForURL((url) => !url.pathname.startsWith('/logga-in')),
    ombud.getByRole('button', { name: 'Logga in', exact: true }).click(),
  ]);
  await ombud.getByRole('link', { name: 'Vår organisation' }).click();
  const email = `bertil.${Date.now()}@skane.example`;
  await ombud.getByLabel('Namn', { exact: true }).fill('Bertil Berg');
  await ombud.getByLabel('E-postadress', { exact: true }).fill(email);
  await ombud.getByLabel('Representant', { exact: true }).check();
  await Promise.all([
    ombud.waitForLoadState(),
    ombud.getByRole('button', { name: 'Skicka inbjudan' }).click(),
  ]);
  await ombud.getByText('Bertil Berg har bjudits in').waitFor();
  await ombud.context().close();

  // Bertil opens the link and chooses e-legitimation instead of a password.
  const page = await newPage(browser);
  await page.goto(await invitationLink(email));
  const take = page.getByRole('link', { name: 'Ta emot inbjudan med e-legitimation' });
  await take.waitFor();
  await checkPage(t, page, 'invitation: e-legitimation or password');
  await take.click();
  await atProvider(page, PEOPLE.bertil);
  await page.waitForURL((url) => url.pathname === '/');
  await page.goto('/konto');
  const main = page.locator('main');
  await main.getByText('Region Skåne (representant)').waitFor();
  await main.getByText(PEOPLE.bertil.masked).waitFor();
  assert.ok(!(await main.textContent()).includes(PEOPLE.bertil.pin));

  // The link is used up: a second use is refused in Swedish.
  await page.goto(await invitationLink(email));
  await page.getByText('Länken har redan använts').waitFor();
  await page.context().close();

  // From now on Bertil logs in with e-legitimation alone and is Region Skåne's
  // representative.
  const again = await newPage(browser);
  await eidLogin(again, PEOPLE.bertil);
  await again.goto('/konto');
  await again.locator('main').getByText('Region Skåne (representant)').waitFor();
  await again.context().close();
});
