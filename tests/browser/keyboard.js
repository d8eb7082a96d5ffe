// Keyboard-only walking for the browser suite: Tab, Shift+Tab, Enter, Space, the arrow keys
// and typing, never the mouse. A `KeyboardWalk` follows one person through a journey and
// checks every Tab stop on the way:
//
// - focus is visible: the focused element matches :focus-visible (keyboard focus does), its
//   computed style draws an indicator (an outline that is not `none` and wider than 0, or a
//   box-shadow that is not `none`; static/app.css gives `:focus-visible` both), and the
//   element itself is on screen: not zero-sized, not clipped away, inside the window;
// - focus order follows the visual order: each stop is below the one before, or on the same
//   line and to its right (boxes compared in page coordinates, with a tolerance; Shift+Tab
//   the other way round);
// - no trap: from any point, Tab leaves the page's last focusable element and comes back to
//   the top (the document itself, or the skip link) within N presses, N = the number of
//   focusable elements + 5. `cycle()` does this on every page of a journey, at both widths
//   of the suite, from where the person is, and round the whole page back to them.
//
// A fault found on the way does not stop the journey (the rest is still worth walking): it
// is printed and appended to target/browser/failures.txt, the page is pictured (once per
// page and kind of fault), and the journey's test fails at its end. Only a step that cannot
// be done by keyboard at all stops the journey, with a picture of where it got stuck.
//
// KEYBOARD_TRACE=1 prints every stop, with its box and its focus style.

const fs = require('node:fs');
const path = require('node:path');
const { recordFailure, findingError, routePattern, OUT_DIR } = require('./helpers');

/** The widths of the suite's checks (helpers.js): every page is gone round at both. */
const WIDTHS = [1280, 320];

/** Pixels of slack in the order comparisons (borders, outline offsets, sub-pixel layout). */
const TOLERANCE = 4;

const TRACE = Boolean(process.env.KEYBOARD_TRACE);

/** What the browser can put focus on with Tab (before the checks of visibility below). */
const FOCUSABLE = [
  'a[href]',
  'area[href]',
  'button',
  'input:not([type="hidden"])',
  'select',
  'textarea',
  'summary',
  'iframe',
  '[tabindex]',
  '[contenteditable=""]',
  '[contenteditable="true"]',
].join(', ');

/** The number of elements a Tab can reach on the page as it is now (radios one by one). */
async function focusableCount(page) {
  return page.evaluate(
    (selector) =>
      [...document.querySelectorAll(selector)].filter((el) => {
        if (el.disabled) return false;
        const tabindex = el.getAttribute('tabindex');
        if (tabindex !== null && Number(tabindex) < 0) return false;
        const style = getComputedStyle(el);
        if (style.visibility === 'hidden' || style.display === 'none') return false;
        return el.getClientRects().length > 0;
      }).length,
    FOCUSABLE,
  );
}

/**
 * The focused element as the checks need it: what it is (for messages, and for finding the
 * element a step wants), where it is (page coordinates), how its focus is drawn and whether
 * it can be seen. `top` is true when nothing on the page has focus (the document itself).
 */
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) {
      return { top: true, describe: '(the document)' };
    }
    const tag = el.tagName.toLowerCase();
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const clean = (s) => (s || '').replace(/\s+/g, ' ').trim();
    let label = '';
    if (el.labels && el.labels.length) label = clean(el.labels[0].textContent);
    if (!label && el.getAttribute('aria-label')) label = clean(el.getAttribute('aria-label'));
    if (!label && ['a', 'button', 'summary'].includes(tag)) label = clean(el.textContent);
    // A short CSS path, for the reader of a failure: the element and up to three ancestors.
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      let s = e.tagName.toLowerCase();
      if (e.id) s += `#${e.id}`;
      else if (e.getAttribute('name')) s += `[name="${e.getAttribute('name')}"]`;
      else if (e.classList.length) s += `.${[...e.classList].slice(0, 2).join('.')}`;
      parts.unshift(s);
    }
    // Can the element itself be seen: a box of its own (not the 1 px of a visually hidden
    // element), not clipped, not transparent, and no ancestor that hides overflow cutting
    // it away?
    let hidden = '';
    if (box.width < 2 || box.height < 2) {
      hidden = `its box is ${Math.round(box.width)}×${Math.round(box.height)} px`;
    } else if (style.visibility === 'hidden') {
      hidden = 'it is visibility: hidden';
    } else if (['absolute', 'fixed'].includes(style.position) && style.clip !== 'auto') {
      hidden = `it is clipped (clip: ${style.clip})`;
    } else if (/inset\(50%/.test(style.clipPath)) {
      hidden = `it is clipped (clip-path: ${style.clipPath})`;
    } else {
      for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
        const s = getComputedStyle(e);
        const name = `${e.tagName.toLowerCase()}${e.className ? `.${e.className}` : ''}`;
        if (Number(s.opacity) === 0) {
          hidden = `${e === el ? 'it' : name} has opacity 0`;
          break;
        }
        if (e !== el && (s.overflowX !== 'visible' || s.overflowY !== 'visible')) {
          const c = e.getBoundingClientRect();
          const w = Math.min(box.right, c.right) - Math.max(box.left, c.left);
          const h = Math.min(box.bottom, c.bottom) - Math.max(box.top, c.top);
          if (w < 2 || h < 2) {
            hidden = `it is clipped away by ${name} (overflow ${s.overflowX} ${s.overflowY})`;
            break;
          }
        }
      }
    }
    const inWindow =
      box.bottom > 0 &&
      box.right > 0 &&
      box.top < window.innerHeight &&
      box.left < window.innerWidth;
    const text = label ? ` "${label.slice(0, 60)}"` : '';
    const type = tag === 'input' ? `[type=${el.type}]` : '';
    return {
      top: false,
      tag,
      type: el.type || '',
      id: el.id || '',
      name: el.getAttribute('name') || '',
      checked: Boolean(el.checked),
      href: el.getAttribute('href') || '',
      label,
      skipLink: el.classList.contains('skip-link'),
      isStart: el === window.__keyboardRoundStart,
      path: parts.join(' > '),
      describe: `${parts.join(' > ')}${type}${text}`,
      rect: {
        left: box.left + window.scrollX,
        top: box.top + window.scrollY,
        right: box.right + window.scrollX,
        bottom: box.bottom + window.scrollY,
        width: box.width,
        height: box.height,
      },
      focusVisible: el.matches(':focus-visible'),
      outlineStyle: style.outlineStyle,
      outlineWidth: parseFloat(style.outlineWidth) || 0,
      boxShadow: style.boxShadow,
      hidden,
      inWindow,
    };
  });
}

/** A box as a failure line shows it: (left,top width×height) in page pixels. */
function where(r) {
  const n = Math.round;
  return `(${n(r.left)},${n(r.top)} ${n(r.width)}×${n(r.height)})`;
}

/** A stop's focus style, as a failure line shows it. */
function focusStyle(stop) {
  return `outline ${stop.outlineStyle} ${stop.outlineWidth}px, box-shadow ${stop.boxShadow}`;
}

/** What is wrong with the focus indicator of a stop, or ''. */
function indicatorFault(stop) {
  const outline = stop.outlineStyle !== 'none' && stop.outlineWidth > 0;
  const shadow = Boolean(stop.boxShadow) && stop.boxShadow !== 'none';
  const faults = [];
  if (!stop.focusVisible) faults.push('does not match :focus-visible after a key');
  if (!outline && !shadow) {
    faults.push(`draws no focus indicator (${focusStyle(stop)})`);
  }
  if (stop.hidden) faults.push(`is not on screen: ${stop.hidden}`);
  else if (!stop.inWindow) faults.push('is outside the window (not scrolled into view)');
  return faults.join('; ');
}

/**
 * Whether `next` comes after `prev` in reading order: below, or on the same line to the
 * right. Returns what is wrong, or ''.
 *
 * - A stop inside the box of the one before is forward, wherever in the box it is: a scroll
 *   region (role="region", tabindex="0", the reflow rule's way to let a keyboard scroll a
 *   wide table) is a stop of its own, just before the links inside it.
 * - Two boxes whose heights overlap at all are on one line when the second starts at or
 *   right of where the first ends: the cells of one table row are one row to the eye even
 *   when an error message above one field pushes it half a field below its neighbour.
 * - Two boxes that overlap by half the smaller height are on one line whatever their widths;
 *   the second's middle must not be left of the first's.
 * - Otherwise the second's middle must be lower than the first's.
 */
function orderFault(prev, next) {
  const a = prev.rect;
  const b = next.rect;
  const inside =
    b.left >= a.left - TOLERANCE &&
    b.right <= a.right + TOLERANCE &&
    b.top >= a.top - TOLERANCE &&
    b.bottom <= a.bottom + TOLERANCE;
  if (inside) return '';
  const overlap = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  if (overlap > 0 && b.left >= a.right - TOLERANCE) return '';
  const moved = `${prev.describe} ${where(a)} → ${next.describe} ${where(b)}`;
  if (overlap >= Math.min(a.height, b.height) / 2 - TOLERANCE) {
    const aMid = (a.left + a.right) / 2;
    const bMid = (b.left + b.right) / 2;
    return bMid + TOLERANCE >= aMid ? '' : `goes left on the same line: ${moved}`;
  }
  return (b.top + b.bottom) / 2 > (a.top + a.bottom) / 2 ? '' : `goes up: ${moved}`;
}

/**
 * A matcher of a stop: an object whose fields the stop's must equal, match (a RegExp) or
 * pass (a function of the stop's field).
 */
function matcher(want) {
  const fits = (v, got) => {
    if (v instanceof RegExp) return v.test(got);
    if (typeof v === 'function') return v(got);
    return got === v;
  };
  return (stop) => !stop.top && Object.entries(want).every(([k, v]) => fits(v, stop[k]));
}

function wantText(want) {
  return Object.entries(want)
    .map(([k, v]) => `${k}=${typeof v === 'function' ? v.toString() : v}`)
    .join(' ');
}

class KeyboardWalk {
  /**
   * `page`: the person's tab; `who`: the journey's name (its printed lines and the names of
   * its saved files start with it). `record: false` only lists the faults (the checks' own
   * test, whose faults are planted).
   */
  constructor(page, who, { record = true } = {}) {
    this.page = page;
    this.who = who;
    this.record = record;
    this.stops = 0; // Tab and Shift+Tab presses that landed on something, in the journey
    this.faults = [];
    this.prev = null; // the last stop, for the order check; null after a new page
    this.back = false; // whether `prev` was reached by Shift+Tab
    this.pictured = new Set();
    this.width = page.viewportSize().width;
  }

  /** The path of the page the walk is on. */
  get path() {
    return new URL(this.page.url()).pathname;
  }

  /** The page's route ({id} for ids), with the window's width when it is not 1280 px. */
  get where() {
    const at = routePattern(this.page.url());
    return this.width !== WIDTHS[0] ? `${at} (${this.width} px)` : at;
  }

  /** Notes a fault of the page: printed, listed in failures.txt, pictured once a page and kind. */
  async fault(kind, message) {
    const line = `[keyboard ${this.who}] ${this.where}: ${kind}: ${message}`;
    if (this.faults.includes(line)) return; // the same element again, on another pass
    this.faults.push(line);
    if (!this.record) return;
    const key = `${this.where}|${kind}`;
    if (this.pictured.has(key)) {
      console.log(line);
      fs.mkdirSync(OUT_DIR, { recursive: true });
      fs.appendFileSync(path.join(OUT_DIR, 'failures.txt'), `${line}\n`);
      return;
    }
    this.pictured.add(key);
    await recordFailure(this.page, line, `keyboard-${this.who}-${kind}-${this.where}`, {
      kind,
      message,
    });
  }

  /** A step that cannot be done by keyboard: pictured, and the journey stops here. */
  async stuck(message) {
    const line = `[keyboard ${this.who}] ${this.where}: stuck: ${message}`;
    this.faults.push(line);
    const file = `keyboard-${this.who}-stuck-${this.where}`;
    const focus = await focused(this.page);
    const base = await recordFailure(this.page, line, file, { kind: 'stuck', message, focus });
    const error = findingError(`${line} (see ${base}.png/.json)`);
    Object.defineProperty(error, 'recorded', { value: true }); // not printed with it
    throw error;
  }

  /**
   * Checks the stop a key led to: its indicator always; its order against the stop before
   * when both were reached the same way (Tab: after it in reading order; Shift+Tab: before).
   */
  async check(stop, { key, back = false, order = true }) {
    if (TRACE) {
      const style = stop.top ? '' : ` ${where(stop.rect)} ${focusStyle(stop)}`;
      console.log(`  ${key} → ${stop.describe}${style}`);
    }
    if (stop.top) {
      this.prev = null;
      return;
    }
    const bad = indicatorFault(stop);
    if (bad) await this.fault('focus-not-visible', `${stop.describe} (after ${key}) ${bad}`);
    // The skip link is the top of the page: nothing comes before it, and what comes after it
    // is the page's first stop wherever that is (the link is drawn over the page's top-left
    // corner only while it has focus, so its box says nothing about the order).
    const prev = this.prev;
    if (order && prev && this.back === back && !stop.skipLink && !prev.skipLink) {
      const wrong = back ? orderFault(stop, prev) : orderFault(prev, stop);
      if (wrong) await this.fault('focus-order', back ? `Shift+Tab: ${wrong}` : wrong);
    }
    this.prev = stop;
    this.back = back;
  }

  /** One Tab (or Shift+Tab), checked. Returns the stop. */
  async tab({ back = false } = {}) {
    const key = back ? 'Shift+Tab' : 'Tab';
    await this.page.keyboard.press(key);
    const stop = await focused(this.page);
    if (!stop.top) this.stops += 1;
    await this.check(stop, { key, back });
    return stop;
  }

  /** Tabs (or Shift+Tabs) until the focused element is the wanted one; stuck after N presses. */
  async tabTo(want, { back = false } = {}) {
    const match = matcher(want);
    const current = await focused(this.page);
    if (match(current)) return current;
    const limit = (await focusableCount(this.page)) + 5;
    for (let i = 0; i < limit; i += 1) {
      const stop = await this.tab({ back });
      if (match(stop)) return stop;
    }
    const key = back ? 'Shift+Tab' : 'Tab';
    return this.stuck(`${limit} presses of ${key} did not reach ${wantText(want)}`);
  }

  /**
   * Another key that moves focus or changes the focused control (an arrow key in a radio
   * group): the element focused after it is checked (its indicator; no order, as an arrow
   * key follows the group, not the page), and the order check goes on from it.
   */
  async press(key) {
    await this.page.keyboard.press(key);
    const stop = await focused(this.page);
    await this.check(stop, { key, order: false });
    return stop;
  }

  /** Replaces the focused field's text by typing (Ctrl+A selects what is there first). */
  async type(text) {
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.type(text);
  }

  /** Tabs to a field and types into it. */
  async fillField(want, text) {
    await this.tabTo(want);
    await this.type(text);
  }

  /**
   * Tabs forward from where focus is until the focused element is `until`, and on the way
   * fills in each field one of `fillers` claims: [want, text] types the text over the
   * field's, [want, async (stop) => ...] does whatever else the field needs (an arrow key).
   * The first filler that matches a stop wins. Returns the names (or ids) of the fields
   * filled, in order; stuck if `until` is not reached within N presses.
   */
  async fillAlong(until, fillers) {
    const done = matcher(until);
    const rules = fillers.map(([want, action]) => [matcher(want), action]);
    const filled = [];
    const limit = (await focusableCount(this.page)) + 5;
    for (let i = 0; i < limit; i += 1) {
      const stop = await this.tab();
      if (done(stop)) return filled;
      const rule = rules.find(([match]) => match(stop));
      if (!rule) continue;
      const action = rule[1];
      if (typeof action === 'function') await action(stop);
      else await this.type(action);
      filled.push(stop.name || stop.id);
    }
    return this.stuck(`${limit} presses of Tab did not reach ${wantText(until)}`);
  }

  /**
   * The skip link, as a keyboard user starts a long page: Tab from the top must land on it,
   * Enter must move focus to the main content, and the next Tab must land inside it.
   */
  async skipToContent() {
    await this.tabTo({ skipLink: true });
    await this.page.keyboard.press('Enter');
    const target = await this.page.evaluate(() => {
      const el = document.activeElement;
      return el && el.tagName ? `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}` : '';
    });
    this.prev = null;
    const next = await this.tab();
    const inside = await this.page.evaluate(() => {
      const main = document.querySelector('main');
      return Boolean(main && main.contains(document.activeElement));
    });
    if (!inside) {
      const to = `the next Tab went to ${next.describe}, not into <main>`;
      await this.fault('skip-link', `Enter on the skip link focused ${target || 'nothing'}; ${to}`);
    }
    return next;
  }

  /**
   * An in-page link (an error summary's link to its field): Tab to it, Enter, and focus must
   * move to the element the link names (a browser focuses a focusable target). Returns the
   * element focused after it.
   */
  async followInPage(want) {
    const link = await this.tabTo(want);
    const id = decodeURIComponent(link.href.slice(link.href.indexOf('#') + 1));
    await this.page.keyboard.press('Enter');
    let stop = link;
    for (let i = 0; i < 20 && !stop.top && stop.path === link.path; i += 1) {
      await this.page.waitForTimeout(50);
      stop = await focused(this.page);
    }
    await this.check(stop, { key: `Enter on ${link.describe}`, order: false });
    if (stop.id !== id) {
      const left = `left focus on ${stop.describe}, not on the element #${id} it links to`;
      await this.fault('in-page-link', `Enter on ${link.describe} ${left}`);
    }
    return stop;
  }

  /**
   * Presses a key that should lead to another page (Enter on a link or a submit button,
   * Space on a button), and waits for it.
   */
  async pressAndWait(key = 'Enter') {
    const stop = await focused(this.page);
    try {
      await Promise.all([this.page.waitForNavigation(), this.page.keyboard.press(key)]);
    } catch (error) {
      await this.stuck(`${key} on ${stop.describe} led nowhere (${error.message.split('\n')[0]})`);
    }
    this.prev = null;
  }

  /**
   * The no-trap check, and the audit of the whole page, at each width of the suite (1280 px,
   * then 320 px, where the header wraps and the tables stack; 1280 px again afterwards):
   * from where focus is now, Tab must come to the top (the document, or the skip link) within
   * N presses (N = focusable elements + 5); from there every stop of the page is walked, in
   * order, back to where it started (or round to the top again). The skip link must be the
   * first stop after the top. Focus is left where it was. Prints and returns the number of
   * stops round the page.
   */
  async cycle(label = '') {
    const name = label || this.where;
    const rounds = [];
    const { width, height } = this.page.viewportSize();
    try {
      for (const w of WIDTHS) {
        this.width = w;
        if (w !== this.page.viewportSize().width) {
          await this.page.setViewportSize({ width: w, height });
          await this.page.evaluate(
            () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))),
          );
        }
        rounds.push(await this.round());
      }
    } finally {
      this.width = width;
      if (this.page.viewportSize().width !== width) {
        await this.page.setViewportSize({ width, height });
      }
      this.prev = null;
    }
    const totals = [...new Set(rounds.map((r) => r.total))].join(' and ');
    const how = rounds.every((r) => r.cameRound) ? 'round the page' : 'and no way round';
    const widths = `${WIDTHS.join(' and ')} px`;
    console.log(`[keyboard ${this.who}] ${name}: ${totals} Tab stops ${how} (${widths})`);
    return rounds[0].total;
  }

  /** One round of cycle() at the window's width as it is. */
  async round() {
    // The start is known by identity, not by its box: a scroll region scrolls as Tab goes
    // through it, and moves the boxes in it.
    await this.page.evaluate(() => {
      window.__keyboardRoundStart = document.activeElement;
    });
    const start = await focused(this.page);
    const n = (await focusableCount(this.page)) + 5;
    const atTop = (s) => s.top || s.skipLink;
    const fromTop = atTop(start);
    // Leg 1: forward to the top.
    let stop = start;
    let behind = 0; // the stops from the start to the end of the page
    if (!fromTop) {
      behind = 1;
      for (let presses = 0; presses < n && !atTop(stop); presses += 1) {
        stop = await this.tab();
        if (!atTop(stop)) behind += 1;
      }
      if (!atTop(stop)) {
        const ends = `focus ends on ${stop.describe}`;
        const from = `${n} presses of Tab from ${start.describe}`;
        await this.fault('focus-trap', `${from} never came back to the top; ${ends}`);
        return { total: behind, cameRound: false };
      }
    }
    // Leg 2: from the top, every stop of the page, back to the start (or round to the top).
    this.prev = null;
    let count = stop.skipLink ? 1 : 0;
    let first = stop.skipLink ? stop : null;
    let cameRound = false;
    for (let i = 0; i < n; i += 1) {
      stop = await this.tab();
      if (atTop(stop) && count > 0) {
        cameRound = fromTop; // from the top: all the way round; from a stop: it was not met
        break;
      }
      if (stop.top) continue;
      if (!first) {
        first = stop;
        if (!stop.skipLink) {
          const msg = `the first Tab stop is ${stop.describe}, not the skip link`;
          await this.fault('no-skip-link', msg);
        }
      }
      if (!fromTop && stop.isStart) {
        cameRound = true;
        break;
      }
      count += 1;
    }
    if (!cameRound) {
      const from = `${n} presses of Tab from ${fromTop ? 'the top' : start.describe}`;
      const ends = `focus ends on ${stop.describe}`;
      await this.fault('focus-trap', `${from} never came round to it; ${ends}`);
    }
    return { total: behind + count, cameRound };
  }

  /**
   * Runs a journey in the walk's tab and closes it; then prints the journey's line (its Tab
   * stops and its result) and fails if a step failed or a fault was found on the way. A
   * step's failure that is not already recorded (an assertion) is recorded with a picture.
   */
  async journey(summary, steps) {
    let failed = null;
    try {
      await steps();
    } catch (error) {
      failed = error;
      if (!error.recorded) {
        const first = error.message.split('\n')[0];
        const line = `[keyboard ${this.who}] ${this.where}: failed: ${first}`;
        const file = `keyboard-${this.who}-failed-${this.where}`;
        await recordFailure(this.page, line, file, { kind: 'failed', message: error.message });
      }
    } finally {
      await this.page.context().close();
    }
    const faults = this.faults.filter((f) => !/: stuck: /.test(f));
    const parts = faults.length ? [`${faults.length} faults`] : [];
    if (failed) parts.push(`stopped: ${failed.message.split('\n')[0]}`);
    const result = parts.join(', ') || 'ok';
    console.log(`[keyboard ${this.who}] ${summary}: ${this.stops} Tab stops: ${result}`);
    if (failed && faults.length) {
      const before = `${faults.length} keyboard faults before it:\n${faults.join('\n')}`;
      throw findingError(`${failed.message}\n${before}`);
    }
    if (failed) throw failed;
    if (faults.length) {
      throw findingError(`${faults.length} keyboard faults:\n${faults.join('\n')}`);
    }
  }
}

module.exports = { KeyboardWalk, focused, focusableCount, indicatorFault, orderFault, WIDTHS };
