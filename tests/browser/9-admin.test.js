// The administrator: accounts and organisations (/admin), an organisation's people, their
// own account; inviting a person (once refused), and the invited person choosing a
// password through the link in the e-mail (read from the outbox, OUTBOX_DIR).

const { test, before, after } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { launch, newPage, login, crawl, visit, checkPage, submit, PEOPLE } = require('./helpers');

let browser;
before(async () => {
  browser = await launch();
});
after(async () => browser && browser.close());

/** The choose-password link of the newest e-mail to `email` in the outbox. */
async function invitationLink(email) {
  const dir = process.env.OUTBOX_DIR;
  assert.ok(dir, 'OUTBOX_DIR is set');
  for (let i = 0; i < 40; i += 1) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
    for (const file of files) {
      // Quoted-printable: join soft line breaks and decode =XX before looking for the link.
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

test('admin pages', async (t) => {
  const page = await newPage(browser);
  await login(page, PEOPLE.admin);
  const visited = await crawl(t, page, { start: ['/'], who: 'admin' });
  console.log(`admin: ${visited.length} page types: ${visited.map((v) => v.pattern).join(' ')}`);

  await page.goto('/admin');
  await submit(page, page.getByRole('button', { name: 'Bjud in', exact: true }));
  await checkPage(t, page, '/admin (invitation refused, with errors)', 'admin');
  const email = `ny.handlaggare.${Date.now()}@socialstyrelsen.example`;
  await page.locator('#name').fill('Nora Nyström');
  await page.locator('#email').fill(email);
  await page.locator('#role').selectOption({ index: 0 });
  await submit(page, page.getByRole('button', { name: 'Bjud in', exact: true }));
  await checkPage(t, page, '/admin (invitation sent)', 'admin');

  // The invited person, not logged in, follows the link.
  const invited = await newPage(browser);
  await visit(t, invited, await invitationLink(email), {
    who: 'invited',
    label: '/valj-losenord/{token}',
  });
  await invited.locator('#new_password').fill('ett långt lösenord');
  await invited.locator('#new_password_again').fill('ett annat långt lösenord');
  await submit(invited, invited.getByRole('button', { name: 'Spara lösenordet' }));
  await checkPage(t, invited, '/valj-losenord (refused, passwords differ)', 'invited');
  await invited.locator('#new_password').fill('ett långt lösenord');
  await invited.locator('#new_password_again').fill('ett långt lösenord');
  await submit(invited, invited.getByRole('button', { name: 'Spara lösenordet' }));
  await checkPage(t, invited, '/valj-losenord (password chosen)', 'invited');
  await visit(t, invited, '/valj-losenord/ogiltiglankogiltiglankogiltiglankogiltiglan', {
    who: 'invited',
    label: '/valj-losenord/{token} (link not valid)',
    status: null,
  });
});
