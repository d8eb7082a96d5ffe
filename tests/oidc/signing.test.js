// Signing a submission with e-legitimation: a person who logged in with e-legitimation must
// make a fresh e-legitimation before an application can be submitted, and the submission
// records how, with the provider's assurance level (acr). The officer publishes a call open
// today through the API; Region Skåne's ombud (password) invites a representative, who takes
// up the invitation with e-legitimation, drafts an application and comes to the confirm
// page: only "Skriv under med e-legitimation" is offered there, and a submission posted
// past it is refused. After signing at the provider the page offers "Skicka in ansökan";
// the auditor then finds the submission in the audit trail "med e-legitimation (tillitsnivå
// …loa3)". Run by .ci/oidc, which starts the provider and the service.
//
// The representative is a test person of their own (PEOPLE.signe): eid.test.js uses Tolvan,
// Anna and Cecilia, invitation.test.js Bertil.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { BASE_URL, LOA3, PASSWORD, PEOPLE, atProvider, checkPage, launch, newPage } from './helpers.js';

const SIGNER = PEOPLE.signe;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const SECTION = 'Förankring i regionen';

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

/** Logs `email` in with a password through the login form. */
async function passwordLogin(page, email) {
  await page.goto('/logga-in');
  await page.getByLabel('E-postadress', { exact: true }).fill(email);
  await page.getByLabel('Lösenord', { exact: true }).fill(PASSWORD);
  await Promise.all([
    page.waitForURL((url) => !url.pathname.startsWith('/logga-in')),
    page.getByRole('button', { name: 'Logga in', exact: true }).click(),
  ]);
}

/** A response's status, with its text when it is not the one expected. */
async function expectStatus(response, status, what) {
  if (response.status() !== status) {
    assert.fail(`${what}: ${response.status()} ${(await response.text()).slice(0, 2000)}`);
  }
}

/** The officer creates a call open today (UTC) for regions, publishes it; returns its id. */
async function publishCall() {
  const officer = await newPage(browser);
  try {
    let response = await officer.request.post(`${BASE_URL}/api/v1/session`, {
      data: { email: 'handlaggare@socialstyrelsen.example', password: PASSWORD },
    });
    await expectStatus(response, 200, 'the officer logs in through the API');
    const csrf = (await response.json()).csrf_token;
    assert.ok(csrf, 'the session answer has a csrf_token');

    const today = new Date();
    const day = (d) => d.toISOString().slice(0, 10);
    const last = new Date(today.getTime() + 60 * 24 * 3600 * 1000);
    const year = today.getUTCFullYear() + 1;
    response = await officer.request.post(`${BASE_URL}/api/v1/calls`, {
      headers: { 'X-CSRF-Token': csrf },
      data: {
        programme: 'sis-integrerad-vard',
        code: `underskrift-${Date.now()}`,
        title: 'Statsbidrag för underskriftsprovet',
        description: 'En utlysning för att pröva underskrift med e-legitimation när en ansökan skickas in.',
        annex_title: 'Bilaga 1 – förväntade resultat',
        annex_intro: '',
        opens_on: day(today),
        last_day: day(last),
        max_recipients: 4,
        payment_month: 1,
        report_due_month: 3,
        report_due_day: 1,
        eligible_kinds: ['region'],
        years: [{ year, ceiling: '15000000' }],
        sections: [
          {
            title: SECTION,
            help_text: 'Beskriv hur ansökan är förankrad i regionens ledning.',
            required: true,
            max_length: 8000,
          },
        ],
        cost_categories: [{ code: 'personal', name: 'Personal' }],
        criteria: [{ title: 'Förankring', description: 'Ansökan är förankrad i regionens ledning.' }],
        expected_results: [
          { year, area: 'Planering', title: 'Planering', body: 'Regionen har planerat arbetet.' },
        ],
      },
    });
    await expectStatus(response, 201, 'the officer creates the call');
    const id = (await response.json()).id;
    assert.ok(id, 'the new call has an id');
    response = await officer.request.post(`${BASE_URL}/api/v1/calls/${id}/publish`, {
      headers: { 'X-CSRF-Token': csrf },
    });
    assert.ok(response.ok(), `the officer publishes the call: ${response.status()} ${await response.text()}`);
    return { id, year };
  } finally {
    await officer.context().close();
  }
}

test(
  'a submission after an e-legitimation login is signed with a fresh e-legitimation',
  async (t) => {
    const call = await publishCall();

    // The ombud invites the representative.
    const ombud = await newPage(browser);
    await passwordLogin(ombud, 'sokande@skane.example');
    await ombud.getByRole('link', { name: 'Vår organisation' }).click();
    const email = `signerar.${Date.now()}@skane.example`;
    const name = `${SIGNER.given} ${SIGNER.family}`;
    await ombud.getByLabel('Namn', { exact: true }).fill(name);
    await ombud.getByLabel('E-postadress', { exact: true }).fill(email);
    await ombud.getByLabel('Representant', { exact: true }).check();
    await Promise.all([ombud.waitForLoadState(), ombud.getByRole('button', { name: 'Skicka inbjudan' }).click()]);
    await ombud.getByText(`${name} har bjudits in`).waitFor();
    await ombud.context().close();

    // The representative takes it up with e-legitimation.
    const page = await newPage(browser);
    await page.goto(await invitationLink(email));
    await page.getByRole('link', { name: 'Ta emot inbjudan med e-legitimation' }).click();
    await atProvider(page, SIGNER);
    await page.waitForURL((url) => url.pathname === '/');

    // Starts an application to the call and fills in the draft.
    await page.goto(`/utlysningar/${call.id}`);
    await Promise.all([
      page.waitForURL((url) => /^\/ansokningar\/[^/]+\/redigera$/.test(url.pathname)),
      page.getByRole('button', { name: 'Börja en ansökan' }).click(),
    ]);
    const id = new URL(page.url()).pathname.split('/')[2];
    await page.getByLabel('Projektets rubrik').fill('Integrerad vård i Skåne');
    await page.getByLabel(SECTION).fill('Ansökan är förankrad i regionens ledning och hos SiS.');
    await page.getByLabel(`Personal ${call.year}`, { exact: true }).fill('1 200 000');
    await Promise.all([
      page.waitForURL((url) => url.searchParams.has('sparat')),
      page.getByRole('button', { name: 'Spara utkast', exact: true }).click(),
    ]);

    // The confirm page asks for a signature first, and offers no submit button.
    const confirm = `/ansokningar/${id}/skicka-in`;
    let response = await page.goto(confirm);
    await expectStatus(response, 200, 'the confirm page');
    const sign = page.getByRole('button', { name: 'Skriv under med e-legitimation' });
    await sign.waitFor();
    assert.equal(await page.locator('.error-summary').count(), 0, 'the draft is complete');
    assert.equal(await page.getByRole('button', { name: 'Skicka in ansökan' }).count(), 0);
    await checkPage(t, page, 'confirm, sign first');

    // A submission posted past the page, with a valid token, is refused: nothing signed.
    const csrf = await page.locator('input[name="csrf_token"]').first().inputValue();
    response = await page.request.post(`${BASE_URL}${confirm}`, {
      form: { csrf_token: csrf },
      maxRedirects: 0,
    });
    const refusal = await response.text();
    assert.equal(response.status(), 403, refusal.slice(0, 2000));
    assert.ok(refusal.includes('Skriv under med e-legitimation'), 'the refusal says to sign');
    await page.goto(`/ansokningar/${id}`);
    await page.getByText('Inget ännu (utkast)').waitFor();

    // Signs at the provider (the same person, logging in again) and comes back.
    await page.goto(confirm);
    await sign.click();
    await atProvider(page, SIGNER);
    await page.waitForURL((url) => url.pathname === confirm);
    const submit = page.getByRole('button', { name: 'Skicka in ansökan' });
    await submit.waitFor();
    assert.equal(await page.getByRole('button', { name: 'Skriv under med e-legitimation' }).count(), 0);
    await checkPage(t, page, 'confirm, signed');
    await Promise.all([page.waitForURL((url) => url.pathname === `/ansokningar/${id}/kvitto`), submit.click()]);
    await page.context().close();

    // The auditor finds the submission, signed with e-legitimation at LOA3.
    const auditor = await newPage(browser);
    await passwordLogin(auditor, 'revisor@revision.example');
    response = await auditor.goto(
      `/granskningslogg?handelse=application.submitted&objekt=${encodeURIComponent(id)}`,
    );
    await expectStatus(response, 200, 'the audit trail');
    const rows = auditor.locator('table.audit tbody tr');
    const texts = await rows.allTextContents();
    assert.ok(
      texts.some((row) => row.includes(`med e-legitimation (tillitsnivå ${LOA3})`) && row.includes(name)),
      `an entry for the submission signed at ${LOA3}: ${JSON.stringify(texts)}`,
    );
    await auditor.context().close();
  },
);
