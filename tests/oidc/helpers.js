// Helpers of the e-legitimation suite: the system Chromium through playwright-core, the
// provider's own login and consent pages clicked through as a person would, and axe-core
// (WCAG 2.0/2.1 A and AA) at 1280 and 320 px with the reflow check at 320 px, as in
// tests/browser. Exported for later suites: `eidLogin(page, person)` logs a test person in
// through the login page, `eidSign(page, person, next)` makes a fresh e-legitimation to sign
// with (what submitting an application or a report asks for).

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { byPin } from './people.js';

export { PEOPLE, LOA3, byPin } from './people.js';

/** A test person (people.js), given as one or by their personal identity number. */
function who(person) {
  if (typeof person !== 'string') return person;
  const found = byPin(person);
  if (!found) throw new Error(`no test person has the number ${person.slice(0, 8)}-****`);
  return found;
}

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

export const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
export const ISSUER = (process.env.OIDC_ISSUER || 'http://127.0.0.1:4010').replace(/\/$/, '');
export const PASSWORD = process.env.DEMO_PASSWORD || 'oidc-tests-demo-password';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT_DIR = process.env.BROWSER_OUT_DIR || path.resolve(here, '../../target/oidc');
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const WIDTHS = [1280, 320];
const HEIGHT = 900;

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** A fresh person at a fresh computer: cookies of their own (here and at the provider). */
export async function newPage(browser) {
  const context = await browser.newContext({
    baseURL: BASE_URL,
    viewport: { width: WIDTHS[0], height: HEIGHT },
    locale: 'sv-SE',
  });
  context.setDefaultTimeout(15_000);
  return context.newPage();
}

const atService = (url) => url.origin === new URL(BASE_URL).origin;
const atProviderPage = (url) => url.origin === new URL(ISSUER).origin && url.pathname.startsWith('/interaction/');

/**
 * At the provider: signs in as `person` (the login id is the personal identity number; any
 * password), gives consent if asked, and waits until the browser is back at the service.
 */
export async function atProvider(page, person) {
  person = who(person);
  await page.waitForURL(atProviderPage);
  const loginPage = page.url();
  await page.locator('input[name="login"]').fill(person.pin);
  await page.locator('input[name="password"]').fill('valfritt-lösenord');
  await Promise.all([
    page.waitForURL((url) => atService(url) || (atProviderPage(url) && url.href !== loginPage)),
    page.locator('button[type="submit"]').click(),
  ]);
  if (!atService(new URL(page.url()))) {
    // The provider's consent page (the first time in this browser).
    await Promise.all([page.waitForURL(atService), page.getByRole('button', { name: 'Continue' }).click()]);
  }
}

/**
 * Logs `person` (a test person, or their number) in with e-legitimation from the login page;
 * a first login gives `email` (default: a new address) on the first-login page. Waits for
 * the page after it.
 */
export async function eidLogin(page, person, { email, next = '/' } = {}) {
  person = who(person);
  await page.goto(`/logga-in?next=${encodeURIComponent(next)}`);
  await page.getByRole('link', { name: 'Logga in med e-legitimation' }).click();
  await atProvider(page, person);
  if (new URL(page.url()).pathname === '/forsta-inloggningen') {
    await page.getByLabel('E-postadress').fill(email || `${person.given.toLowerCase()}.${Date.now()}@example.se`);
    await Promise.all([
      page.waitForURL((url) => url.pathname !== '/forsta-inloggningen'),
      page.getByRole('button', { name: 'Skapa kontot och fortsätt' }).click(),
    ]);
  }
}

/**
 * A fresh e-legitimation to sign with, as the submit pages ask for it: `POST /underskrift`
 * with the page's CSRF token and `next`, then `person` at the provider (who must log in
 * again: prompt=login). Ends wherever the service sends the browser (`next`, or a page
 * saying why not).
 */
export async function eidSign(page, person, next) {
  await page.evaluate((to) => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = '/underskrift';
    for (const [name, value] of [
      ['csrf_token', document.querySelector('input[name="csrf_token"]').value],
      ['next', to],
    ]) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = value;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
  }, next);
  await atProvider(page, person);
  await page.waitForLoadState();
}

/** Runs axe-core on the page as it is now, with the WCAG 2.0/2.1 A and AA rules only. */
async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(AXE_SOURCE);
  }
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }),
    AXE_TAGS,
  );
  return result.violations.map((v) => `${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function saveFailure(page, name, findings) {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const base = path.join(OUT_DIR, name.replace(/[^A-Za-z0-9]+/g, '_'));
  fs.writeFileSync(`${base}.json`, JSON.stringify({ url: page.url(), findings }, null, 2));
  await page.screenshot({ path: `${base}.png`, fullPage: true }).catch(() => {});
  fs.appendFileSync(path.join(OUT_DIR, 'failures.txt'), `${name}: ${findings.join('; ')}\n`);
  return base;
}

/**
 * Checks the page now open, as `label`: axe at 1280 and 320 px, and at 320 px that the page
 * does not scroll sideways (WCAG 1.4.10). Each is a subtest of `t`.
 */
export async function checkPage(t, page, label) {
  try {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: HEIGHT });
      await t.test(`axe ${width} ${label}`, async () => {
        const violations = await axeViolations(page);
        if (violations.length) {
          const file = await saveFailure(page, `axe-${width}-${label}`, violations);
          throw new Error(`axe at ${width} px on ${page.url()}: ${violations.join('; ')} (see ${file}.png)`);
        }
      });
      if (width !== 320) continue;
      await t.test(`reflow 320 ${label}`, async () => {
        const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (wide > 0) {
          const file = await saveFailure(page, `reflow-320-${label}`, [`${wide}px too wide`]);
          throw new Error(`the page scrolls sideways at 320 px (${wide}px; see ${file}.png)`);
        }
      });
    }
  } finally {
    await page.setViewportSize({ width: WIDTHS[0], height: HEIGHT });
  }
}
