// Security in the browser:
//  - the shipped pages run under a strict CSP with no console errors and no CSP violations,
//    also after using a quiz, the search box and the "Mark lesson complete" button;
//  - QUALITY B3: a lesson full of injection vectors (fixtures/hostile), served WITHOUT a CSP so
//    that only Waypost's sanitiser stands in the way, executes nothing in Chromium.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { PAGES, HERE, openPage, settle, failThenPass, fmtList, useSite } from './helpers.mjs';
import { STRICT_CSP } from './server.mjs';

describe('strict CSP: no console errors, no violations', { timeout: 180_000 }, () => {
  const site = useSite('WAYPOST_SITE');

  const fresh = () => site.open();

  it('the detector itself reports an inline script blocked by the CSP', async () => {
    const { page, problems } = await fresh();
    const resp = await page.goto(site.server.url + PAGES.catalog);
    assert.equal(resp.headers()['content-security-policy'], STRICT_CSP, 'the server sends the strict CSP');
    assert.equal(resp.headers()['x-content-type-options'], 'nosniff');
    await settle(page);
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = 1';
      document.body.append(s);
    });
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.__inline), undefined, 'the CSP blocked the inline script');
    assert.ok(problems.some((p) => /CSP violation.*script-src/.test(p)), `the violation was reported:${fmtList(problems)}`);
  });

  for (const [name, rel] of Object.entries(PAGES)) {
    it(`${name} page (${rel}) loads cleanly`, async () => {
      const { page, problems } = await fresh();
      const resp = await page.goto(site.server.url + rel);
      assert.equal(resp.status(), 200);
      await settle(page);
      assert.ok(await page.locator('.search input').count(), 'the page\'s modules ran (search box present)');
      assert.deepEqual(problems, [], `problems on ${rel}:${fmtList(problems)}`);
    });
  }

  it('stays clean while a practice quiz, the search box and "Mark lesson complete" are used', async () => {
    const { page, problems } = await fresh();
    await page.goto(site.server.url + PAGES.practice);
    await settle(page);
    const quiz = await page.$eval('section.quiz[data-mode="practice"]', (s) => `#${s.id}`);
    await failThenPass(page, quiz);
    await page.click('button.complete-lesson');

    const input = page.locator('.search input[role="combobox"]');
    await input.focus();
    await input.pressSequentially('dkim selector', { delay: 15 });
    await page.waitForSelector('#wp-search-results:not([hidden]) .search-result');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Escape');
    await page.locator('.search-input').fill('');
    await input.pressSequentially('zzzqqq', { delay: 15 });
    await page.waitForSelector('#wp-search-results:not([hidden]) .search-empty');
    assert.match(await page.locator('#wp-search-results .search-empty').innerText(), /No matching lessons/);

    // The graded page: its /api/me check and sign-in notice.
    await page.goto(site.server.url + PAGES.graded);
    await settle(page);
    await page.waitForSelector('section.quiz [data-quiz-notice]:not([hidden])');
    await page.goto(site.server.url + PAGES.course);
    await settle(page);
    assert.deepEqual(problems, [], `problems:${fmtList(problems)}`);
  });
});

// ---- QUALITY B3: hostile lesson HTML ------------------------------------------------------------

const FIXTURE = path.join(HERE, 'fixtures', 'hostile');
// Mirrors fixtures/hostile: the titles must reach the page as literal text.
const COURSE_TITLE = "Hostile <script>window.__pwned=true;document.title='PWNED'</script> course";
const LESSON_TITLE = "Injection vectors <img src=x onerror=\"window.__pwned=true;document.title='PWNED'\">";
const HOSTILE_PAGES = [
  { rel: 'index.html', title: 'Courses · Waypost' },
  { rel: 'hostile/index.html', title: `${COURSE_TITLE} · Waypost` },
  { rel: 'hostile/hostile.html', title: `${LESSON_TITLE} · ${COURSE_TITLE} · Waypost` },
];

/** A context whose pages report any write to window.__pwned or document.title, in any frame. */
async function trippedContext(browser) {
  const opened = await openPage(browser, { viewport: { width: 1280, height: 900 } });
  const trips = [];
  // Never let a hostile link reach the network: everything but this machine is refused.
  await opened.context.route((url) => !['127.0.0.1', 'localhost'].includes(url.hostname) && /^https?:$/.test(url.protocol), (route) => route.abort());
  await opened.context.exposeBinding('__waypostTrip', ({ frame }, what) => trips.push(`${what} (in ${frame.url().slice(0, 80)})`));
  await opened.context.addInitScript(() => {
    let pwned;
    Object.defineProperty(window, '__pwned', {
      configurable: false,
      get: () => pwned,
      set: (v) => {
        pwned = v;
        window.__waypostTrip(`window.__pwned = ${String(v)}`);
      },
    });
    const title = Object.getOwnPropertyDescriptor(Document.prototype, 'title');
    Object.defineProperty(Document.prototype, 'title', {
      configurable: true,
      get() { return title.get.call(this); },
      set(v) {
        window.__waypostTrip(`document.title = ${String(v)}`);
        title.set.call(this, v);
      },
    });
  });
  return { ...opened, trips };
}

/** Hover, focus, click and fire events on every element, as a curious (or unlucky) learner would. */
async function pokeEverything(page) {
  // A viewport as tall as the page, so a real mouse can pass over everything without scrolling.
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1280, height: Math.min(Math.max(height, 900), 16_000) });
  const centres = await page.$$eval('body *', (els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 ? [r.left + r.width / 2, r.top + r.height / 2] : null;
  }).filter(Boolean));
  for (const [x, y] of centres) await page.mouse.move(x, y, { steps: 1 });
  for (let i = 0; i < 60; i += 1) await page.keyboard.press('Tab');

  await page.evaluate(() => {
    // Links and forms that leave the page are held back; javascript: ones are not (they must not exist).
    document.addEventListener('click', (e) => {
      const a = e.target.closest && e.target.closest('a[href]');
      if (a && /^https?:$/.test(a.protocol)) e.preventDefault();
    }, true);
    document.addEventListener('submit', (e) => {
      const action = (e.submitter && e.submitter.formAction) || e.target.action || '';
      if (/^https?:/.test(action)) e.preventDefault();
    }, true);
    const types = ['pointerover', 'pointerenter', 'mouseover', 'mouseenter', 'mousemove', 'pointerdown', 'mousedown',
      'pointerup', 'mouseup', 'dblclick', 'contextmenu', 'focus', 'focusin', 'blur', 'focusout', 'keydown', 'keyup',
      'input', 'change', 'toggle', 'load', 'error', 'animationstart', 'transitionend', 'wheel', 'copy', 'paste'];
    for (const el of document.querySelectorAll('body *')) {
      for (const t of types) {
        try { el.dispatchEvent(new Event(t, { bubbles: false })); } catch { /* ignore */ }
      }
      try {
        if (typeof el.focus === 'function') el.focus();
        if (typeof el.click === 'function') el.click();
        else el.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
      } catch { /* ignore */ }
    }
    for (const d of document.querySelectorAll('details')) d.open = !d.open;
  });
  await page.waitForTimeout(1500); // timers, animations, image errors, iframe loads
}

/** Everything in the page (and its frames) that could run script. */
function scriptSurfaces(page) {
  return page.evaluate(() => {
    const found = [];
    const urlAttrs = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'poster', 'background', 'srcset', 'ping', 'cite', 'codebase'];
    const bad = /^(javascript|vbscript|data):/i;
    const clean = (v) => v.replace(/[\u0000-\u0020\u007f]+/g, '').replace(/&#?\w+;?/g, '');
    const scan = (doc, where) => {
      for (const el of doc.querySelectorAll('*')) {
        for (const a of el.attributes) {
          const n = a.name.toLowerCase();
          if (n.startsWith('on')) found.push(`${where}<${el.localName} ${n}="${a.value.slice(0, 40)}">`);
          if (urlAttrs.includes(n) && bad.test(clean(a.value))) found.push(`${where}<${el.localName} ${n}="${a.value.slice(0, 40)}">`);
          if (n === 'srcdoc' || n === 'style') found.push(`${where}<${el.localName} ${n}>`);
        }
      }
      for (const s of doc.querySelectorAll('script')) {
        if (!(s.type === 'module' && /\/assets\/(progress|quiz|search)\.[0-9a-f]{8}\.js$/.test(s.src))) found.push(`${where}<script> ${s.src || s.textContent.slice(0, 40)}`);
      }
      for (const sel of ['iframe', 'frame', 'object', 'embed', 'base', 'meta[http-equiv]', 'body style', 'link:not([rel="stylesheet"]):not([rel="icon"])', 'form[action]:not([action^="#"])', 'math[href]', 'svg a', 'svg script', 'svg animate', 'svg set']) {
        for (const el of doc.querySelectorAll(sel)) found.push(`${where}${sel}: ${el.outerHTML.slice(0, 80)}`);
      }
      for (const l of doc.querySelectorAll('link[rel="stylesheet"]')) {
        if (!/\/assets\/waypost\.[0-9a-f]{8}\.css$/.test(l.href)) found.push(`${where}stylesheet ${l.href}`);
      }
    };
    scan(document, '');
    for (const f of document.querySelectorAll('iframe, frame')) {
      try { if (f.contentDocument) scan(f.contentDocument, 'frame:'); } catch { /* cross-origin */ }
    }
    return found;
  });
}

describe('QUALITY B3: hostile lesson HTML executes nothing (served without a CSP)', { timeout: 180_000 }, () => {
  const site = useSite('WAYPOST_HOSTILE_SITE', { csp: false });

  it('control: the same vectors, unsanitised, do fire in this harness', async () => {
    const md = fs.readFileSync(path.join(FIXTURE, 'lessons', '01-hostile.md'), 'utf8');
    const raw = md.slice(md.indexOf('<!-- vectors:start -->'), md.indexOf('<!-- vectors:end -->'));
    assert.ok(raw.length > 2000, 'the fixture holds the vector block');
    const opened = await trippedContext(site.browser);
    site.track(opened.context);
    const { page, trips, dialogs } = opened;
    const url = `${site.server.url}hostile/__control.html`;
    await page.route(url, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>control</title></head><body><main>${raw}</main></body></html>` }));
    const resp = await page.goto(url);
    assert.equal(resp.headers()['content-security-policy'], undefined, 'no CSP on the control page');
    const surfaces = await scriptSurfaces(page);
    assert.ok(surfaces.length > 20, `the surface scan finds the raw vectors (${surfaces.length})`);
    await pokeEverything(page);
    const fired = new Set(trips);
    console.log(`hostile control: ${surfaces.length} script surfaces found, ${fired.size} distinct payload writes fired unsanitised, ${dialogs.length} dialog(s)`);
    assert.ok(fired.size >= 5, `unsanitised payloads are detected (${fired.size}):${fmtList([...fired])}`);
  });

  for (const { rel, title } of HOSTILE_PAGES) {
    it(`${rel}: no payload runs, no handler or javascript: URL survives`, async () => {
      const opened = await trippedContext(site.browser);
      site.track(opened.context);
      const { page, trips, dialogs } = opened;
      const resp = await page.goto(site.server.url + rel);
      assert.equal(resp.status(), 200);
      assert.equal(resp.headers()['content-security-policy'], undefined, 'served without a CSP: only the sanitiser protects this page');
      await settle(page);
      const start = page.url();

      if (rel.endsWith('hostile.html')) {
        assert.equal((await page.locator('main h1').innerText()).trim(), LESSON_TITLE, 'the lesson title shows as literal text');
        const quiz = await page.$eval('section.quiz', (s) => `#${s.id}`);
        await failThenPass(page, quiz);
        assert.ok(await page.locator('.prose').innerText().then((t) => t.includes('The end.')), 'the lesson rendered to its end');
      }
      await pokeEverything(page);
      assert.equal(page.url().split('#')[0], start.split('#')[0], 'still on the same page (no refresh or redirect)');

      // Search the hostile index too: results are built from its titles and text.
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.evaluate(() => window.scrollTo(0, 0));
      const input = page.locator('.search input[role="combobox"]');
      await input.fill('');
      await input.focus();
      await input.pressSequentially('pwned', { delay: 10 });
      await page.waitForSelector('#wp-search-results:not([hidden]) [role="option"]');
      for (const option of await page.locator('#wp-search-results [role="option"]').all()) await option.hover();
      await page.keyboard.press('Escape');
      await page.waitForTimeout(300);

      assert.deepEqual(trips, [], `payloads ran:${fmtList(trips)}`);
      assert.equal(await page.evaluate(() => window.__pwned), undefined, 'window.__pwned is undefined');
      assert.deepEqual(dialogs, [], `dialogs opened:${fmtList(dialogs)}`);
      assert.equal(await page.title(), title, 'the title is unchanged');
      const surfaces = await scriptSurfaces(page);
      assert.deepEqual(surfaces, [], `script surfaces in the page:${fmtList(surfaces)}`);
    });
  }
});
