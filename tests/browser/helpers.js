// Shared helpers of the browser suite: the system Chromium through playwright-core, the
// real login form, axe-core at two widths, the WCAG 1.4.10 reflow check, and a crawler that
// visits one page per route pattern. Every check is a subtest of its own, so one page's
// faults never hide another's.

const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const PASSWORD = process.env.DEMO_PASSWORD || 'browser-tests-demo-password';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT_DIR = process.env.BROWSER_OUT_DIR || path.resolve(__dirname, '../../target/browser');
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const WIDTHS = [1280, 320];
const HEIGHT = 900;

/** The demo accounts (fixtures/demo/accounts.toml). */
const PEOPLE = {
  officer: 'handlaggare@socialstyrelsen.example',
  decisionMaker: 'beslutsfattare@socialstyrelsen.example',
  auditor: 'revisor@revision.example',
  admin: 'admin@socialstyrelsen.example',
  applicant: 'sokande@skane.example',
};

/** The call of the demo data (fixtures/calls). */
const DEMO_CALL_TITLE = 'Statsbidrag till regioner för pilotprojekt SiS integrerad vård 2021–2022';

async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** A fresh person at a fresh computer: a context of their own (cookies), one tab. */
async function newPage(browser) {
  const context = await browser.newContext({
    baseURL: BASE_URL,
    viewport: { width: WIDTHS[0], height: HEIGHT },
    locale: 'sv-SE',
  });
  context.setDefaultTimeout(15_000);
  return context.newPage();
}

/** Logs in through the login form as a person would, and waits for the page after it. */
async function login(page, email, password = PASSWORD) {
  await page.goto('/logga-in');
  await page.getByLabel('E-postadress', { exact: true }).fill(email);
  await page.getByLabel('Lösenord', { exact: true }).fill(password);
  await Promise.all([
    page.waitForURL((url) => !url.pathname.startsWith('/logga-in')),
    page.getByRole('button', { name: 'Logga in', exact: true }).click(),
  ]);
}

/** The route of a path: ids (uuids, numbers, organisation numbers, tokens) become {id}. */
function routePattern(url) {
  const { pathname } = new URL(url, BASE_URL);
  return pathname
    .split('/')
    .map((segment) =>
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(segment) ||
      /^\d[\d-]*$/.test(segment) ||
      /^[A-Za-z0-9_-]{20,}$/.test(segment)
        ? '{id}'
        : segment,
    )
    .join('/');
}

function slug(text) {
  return text.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'root';
}

/** Saves what a failure needs to be fixed: a full-page picture and the findings as JSON. */
async function saveFailure(page, name, findings) {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const base = path.join(OUT_DIR, slug(name));
  fs.writeFileSync(`${base}.json`, JSON.stringify({ url: page.url(), ...findings }, null, 2));
  try {
    await page.screenshot({ path: `${base}.png`, fullPage: true });
  } catch (error) {
    console.log(`  (no screenshot of ${name}: ${error.message})`);
  }
  return base;
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
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    targets: v.nodes.map((n) => n.target.join(' ')),
    nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, summary: n.failureSummary })),
  }));
}

/** One violation a line's worth: rule, impact and (up to six) CSS targets. */
function describeViolations(violations) {
  return violations
    .map((v) => {
      const more = v.targets.length > 6 ? ` … ${v.targets.length} in all` : '';
      return `${v.id} (${v.impact}) ${v.targets.slice(0, 6).join(', ')}${more}`;
    })
    .join('; ');
}

/**
 * WCAG 1.4.10 at the current width: the page itself must not scroll sideways. Content may
 * scroll sideways only inside a scroll region a keyboard can reach and a screen reader
 * names (role="region", aria-label or aria-labelledby, tabindex="0"). Returns the findings:
 * how wide the page is, the elements that stick out of it, and the sideways scroll
 * containers that are not such a region.
 */
async function reflowFindings(page) {
  return page.evaluate(() => {
    const viewport = window.innerWidth;
    const pageWidth = document.documentElement.scrollWidth;
    const describe = (el) => {
      const parts = [];
      for (let e = el; e && e !== document.body && parts.length < 3; e = e.parentElement) {
        let s = e.tagName.toLowerCase();
        if (e.id) s += `#${e.id.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, '{id}')}`;
        else if (e.classList.length) s += `.${[...e.classList].slice(0, 2).join('.')}`;
        parts.unshift(s);
      }
      // A table (or the scroll box around one) is best known by its caption.
      const caption = el.querySelector(':scope > caption, :scope > table > caption');
      const named = caption ? ` "${caption.textContent.trim().slice(0, 40)}"` : '';
      return parts.join(' > ') + named;
    };
    const isRegion = (el) =>
      el.getAttribute('role') === 'region' &&
      (el.hasAttribute('aria-label') || el.hasAttribute('aria-labelledby')) &&
      el.getAttribute('tabindex') === '0';
    const clipsSideways = (el) =>
      ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX);
    const insideClipper = (el) => {
      for (let e = el.parentElement; e && e !== document.documentElement; e = e.parentElement) {
        if (e !== document.body && clipsSideways(e)) return true;
      }
      return false;
    };
    const scrollers = [];
    const sticking = [];
    for (const el of document.body.querySelectorAll('*')) {
      const style = getComputedStyle(el);
      if (
        ['auto', 'scroll'].includes(style.overflowX) &&
        el.scrollWidth > el.clientWidth + 1 &&
        !isRegion(el)
      ) {
        const size = `${el.scrollWidth}px in ${el.clientWidth}px`;
        scrollers.push(`${describe(el)} (scrolls ${size}, not a focusable labelled region)`);
      }
      if (pageWidth > viewport) {
        const right = el.getBoundingClientRect().right + window.scrollX;
        const parentRight = el.parentElement.getBoundingClientRect().right + window.scrollX;
        if (
          right > viewport + 0.5 &&
          (parentRight <= viewport + 0.5 || el.parentElement === document.body) &&
          !insideClipper(el) &&
          style.display !== 'none'
        ) {
          sticking.push(`${describe(el)} (right edge ${Math.round(right)}px)`);
        }
      }
    }
    if (pageWidth > viewport) {
      // Text that runs out of its box (a long word, an address) sticks out with no element edge.
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node && sticking.length < 12; node = walker.nextNode()) {
        if (!node.textContent.trim() || insideClipper(node)) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const right = range.getBoundingClientRect().right + window.scrollX;
        const parentRight = node.parentElement.getBoundingClientRect().right + window.scrollX;
        if (right > viewport + 0.5 && right > parentRight + 0.5) {
          const text = node.textContent.trim().slice(0, 40);
          const where = describe(node.parentElement);
          sticking.push(`text "${text}" in ${where} (right edge ${Math.round(right)}px)`);
        }
      }
    }
    return { viewport, pageWidth, sticking: sticking.slice(0, 12), scrollers };
  });
}

/** A finding on a page: its message says it all, so no stack trace goes with it. */
function findingError(message) {
  const error = new Error(message);
  error.stack = `Error: ${message}`;
  return error;
}

/**
 * Records a failed check: prints it, appends it to target/browser/failures.txt (the list
 * .ci/browser prints at the end) and saves the page's picture and the findings.
 */
async function recordFailure(page, line, fileName, findings) {
  console.log(line);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.appendFileSync(path.join(OUT_DIR, 'failures.txt'), `${line}\n`);
  return saveFailure(page, fileName, findings);
}

/**
 * Checks the page now open, as `label` (its route pattern, or a name of its state): axe at
 * each width, and reflow at 320 px. Each is a subtest of `t` that fails on any finding.
 * `who` (the role) starts each printed line and the names of saved files.
 */
async function checkPage(t, page, label, who = '') {
  const prefix = who ? `[${who}] ` : '';
  try {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: HEIGHT });
      await page.evaluate(
        () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
      );
      await t.test(`axe ${width} ${label}`, async () => {
        const violations = await axeViolations(page);
        if (violations.length === 0) {
          console.log(`${prefix}axe ${width} ${label}: 0 violations`);
          return;
        }
        const text = `${violations.length} violations: ${describeViolations(violations)}`;
        const file = await recordFailure(
          page,
          `${prefix}axe ${width} ${label}: ${text}`,
          `axe-${width}-${who}-${label}`,
          { width, violations },
        );
        throw findingError(`axe at ${width} px on ${page.url()}: ${text} (see ${file}.png/.json)`);
      });
      if (width !== 320) continue;
      await t.test(`reflow 320 ${label}`, async () => {
        const r = await reflowFindings(page);
        const wide = r.pageWidth > r.viewport;
        if (!wide && r.scrollers.length === 0) {
          console.log(`${prefix}reflow 320 ${label}: ok`);
          return;
        }
        const parts = [];
        if (wide) {
          const culprits = r.sticking.join(', ') || '(none found)';
          parts.push(
            `page is ${r.pageWidth}px wide in a ${r.viewport}px window; sticking out: ${culprits}`,
          );
        }
        if (r.scrollers.length) {
          parts.push(`sideways scrolling outside a region: ${r.scrollers.join(', ')}`);
        }
        const text = parts.join('; ');
        const file = await recordFailure(
          page,
          `${prefix}reflow 320 ${label}: ${text}`,
          `reflow-320-${who}-${label}`,
          { width: 320, reflow: r },
        );
        throw findingError(`reflow at 320 px on ${page.url()}: ${text} (see ${file}.png/.json)`);
      });
    }
  } finally {
    await page.setViewportSize({ width: WIDTHS[0], height: HEIGHT });
  }
}

/**
 * Opens a path and checks it; the answer's status must be `status` (200 by default; null
 * takes any).
 */
async function visit(t, page, url, { label, who, status = 200 } = {}) {
  const response = await page.goto(url);
  const got = response ? response.status() : 0;
  if (status !== null && got !== status)
    throw new Error(`GET ${url}: expected ${status}, got ${got} (at ${page.url()})`);
  await checkPage(t, page, label || routePattern(page.url()), who);
}

/** Skipped by the crawler: logging out, downloads, the API, static files. */
function crawlable(url) {
  if (url.origin !== new URL(BASE_URL).origin) return false;
  if (url.pathname === '/logga-ut') return false;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/static/')) return false;
  if (/\.(pdf|csv|json|xlsx|zip|eml)$/i.test(url.pathname)) return false;
  if (/\/bilagor\//.test(url.pathname)) return false; // attachment downloads
  return true;
}

/**
 * Follows same-origin GET links from `start`, breadth first, to `depth` clicks, and checks
 * one page per route pattern (patterns in `seen` are not checked again; the set is filled
 * as it goes). Returns the patterns it checked, with their URLs.
 */
async function crawl(t, page, { start = ['/'], depth = 4, seen = new Set(), who = '' } = {}) {
  const visited = [];
  const queued = new Set();
  const queue = start.map((u) => ({ url: new URL(u, BASE_URL).href, level: 0 }));
  for (const { url } of queue) queued.add(routePattern(url));
  while (queue.length) {
    const { url, level } = queue.shift();
    const pattern = routePattern(url);
    // A start page already checked is still read for its links.
    if (seen.has(pattern) && level > 0) continue;
    const response = await page.goto(url);
    const type = (response && response.headers()['content-type']) || '';
    const status = response ? response.status() : 0;
    const landed = routePattern(page.url());
    if (status !== 200 || !type.startsWith('text/html')) {
      console.log(`${who ? `[${who}] ` : ''}crawl: ${url} answered ${status} ${type}; not checked`);
      seen.add(pattern);
      continue;
    }
    if (!seen.has(pattern) && !seen.has(landed)) {
      visited.push({ pattern: landed, url: page.url() });
      await checkPage(t, page, landed, who);
    } else if (level > 0) {
      continue; // redirected to a page already checked
    }
    seen.add(pattern);
    seen.add(landed);
    if (level >= depth) continue;
    const links = await page.$$eval('a[href]', (as) => as.map((a) => a.href));
    for (const href of links) {
      const next = new URL(href);
      next.hash = '';
      if (!crawlable(next)) continue;
      const p = routePattern(next.href);
      if (seen.has(p) || queued.has(p)) continue;
      queued.add(p);
      queue.push({ url: next.href, level: level + 1 });
    }
  }
  return visited;
}

/**
 * The path of the demo call's page (the call with the most behind it: decisions, payments,
 * rounds, reports), from the start page's list.
 */
async function demoCallPath(page) {
  await page.goto('/');
  const href = await page.getByRole('link', { name: DEMO_CALL_TITLE }).first().getAttribute('href');
  if (!href) throw new Error('the start page does not link to the demo call');
  return href;
}

/** Clicks something that submits a form, and waits for the page it leads to. */
async function submit(page, locator) {
  const [response] = await Promise.all([page.waitForNavigation(), locator.click()]);
  return response;
}

/** A Stockholm calendar day `days` from today, as YYYY-MM-DD. */
function dayFromToday(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  return d.toLocaleDateString('sv-SE', { timeZone: 'Europe/Stockholm' });
}

/**
 * The officer fills in the new-call form (with the mouse) with a call that is open from today
 * for 60 days, one section, one criterion and one expected result; `code` gets a time suffix
 * so that every run's call is new.
 */
async function fillCall(page, { code, title, description }) {
  await page.locator('[name="programme"]').selectOption({ index: 1 });
  await page.locator('[name="code"]').fill(`${code}-${Date.now()}`);
  await page.locator('[name="title"]').fill(title);
  await page.locator('[name="description"]').fill(description);
  await page.locator('[name="opens_on"]').fill(dayFromToday(0));
  await page.locator('[name="last_day"]').fill(dayFromToday(60));
  await page.locator('[name="max_recipients"]').fill('4');
  await page.locator('[name="payment_month"]').fill('1');
  await page.locator('[name="report_due_month"]').fill('3');
  await page.locator('[name="report_due_day"]').fill('1');
  const year = await page.locator('[name="years.0.year"]').inputValue();
  await page.locator('[name="years.0.ceiling"]').fill('10 000 000');
  await page.locator('[name="sections.0.title"]').fill('Projektets inriktning');
  await page.locator('[name="sections.0.help_text"]').fill('Beskriv vad ni vill göra.');
  await page.locator('[name="sections.0.max_length"]').fill('4000');
  await page.locator('[id="sections.0.required"]').check();
  await page.locator('[name="criteria.0.title"]').fill('Tydligt syfte');
  await page
    .locator('[name="criteria.0.description"]')
    .fill('Ansökan beskriver ett tydligt syfte.');
  await page.locator('[name="expected_results.0.year"]').fill(year);
  await page.locator('[name="expected_results.0.area"]').fill('Arbetsformer');
  await page.locator('[name="expected_results.0.title"]').fill('Ett prövat arbetssätt');
  await page
    .locator('[name="expected_results.0.body"]')
    .fill('Regionen har prövat ett arbetssätt.');
}

/** A one-page PDF with a correct cross-reference table: a file any reader opens, to upload. */
function onePagePdf() {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((object, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

module.exports = {
  BASE_URL,
  PASSWORD,
  PEOPLE,
  DEMO_CALL_TITLE,
  OUT_DIR,
  launch,
  newPage,
  login,
  routePattern,
  checkPage,
  visit,
  crawl,
  demoCallPath,
  submit,
  dayFromToday,
  onePagePdf,
  fillCall,
  axeViolations,
  reflowFindings,
  saveFailure,
  recordFailure,
  findingError,
};
