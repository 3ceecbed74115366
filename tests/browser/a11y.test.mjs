// Accessibility: axe-core (WCAG 2.0/2.1 A and AA) on real pages of the shipped courses, in light
// and dark colour schemes, on a phone (390 px) and a desktop (1280 px), served with the strict CSP.
// Also a few interactive states: a practice quiz showing its results, search results open.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { PAGES, settle, axeViolations, siteDir, answerQuiz, waitForStatus, fmtList, useSite } from './helpers.mjs';

const WIDTHS = [390, 1280];

/** Every HTML page of a built site, relative to its root. */
function allPages(root) {
  const pages = ['index.html', '404.html'];
  for (const d of fs.readdirSync(root, { withFileTypes: true })) {
    if (!d.isDirectory() || ['assets', 'search'].includes(d.name)) continue;
    for (const f of fs.readdirSync(path.join(root, d.name)).sort()) if (f.endsWith('.html')) pages.push(`${d.name}/${f}`);
  }
  return pages;
}
const SCHEMES = ['light', 'dark'];

describe('accessibility (axe-core, WCAG 2.1 AA)', { timeout: 240_000 }, () => {
  const site = useSite('WAYPOST_SITE');

  async function pageAt(width, colorScheme) {
    const opened = await site.open({ viewport: { width, height: 900 }, colorScheme, isMobile: width < 600, hasTouch: width < 600 });
    return opened.page;
  }

  // One tab per width; each page is loaded once and checked in both colour schemes (axe is slow
  // on these 2-core machines, a reload adds nothing: the schemes are pure CSS media queries).
  const tabs = new Map();
  async function loaded(rel, width) {
    if (!tabs.has(width)) tabs.set(width, { page: await pageAt(width, 'light'), rel: null });
    const tab = tabs.get(width);
    if (tab.rel !== rel) {
      tab.rel = null;
      const resp = await tab.page.goto(site.server.url + rel);
      assert.equal(resp.status(), 200, `${rel} answered ${resp.status()}`);
      await settle(tab.page);
      tab.rel = rel;
    }
    return tab.page;
  }

  for (const [name, rel] of Object.entries(PAGES)) {
    for (const width of WIDTHS) {
      for (const scheme of SCHEMES) {
        it(`${name} page (${rel}) at ${width}px, ${scheme}: 0 violations`, async () => {
          const page = await loaded(rel, width);
          await page.emulateMedia({ colorScheme: scheme });
          assert.equal(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches), scheme === 'dark', 'colour scheme emulated');
          const violations = await axeViolations(page);
          assert.deepEqual(violations, [], `axe violations on ${rel} at ${width}px ${scheme}:${fmtList(violations)}`);
        });
      }
    }
  }

  it('no page of the site scrolls sideways at 390px (WCAG 1.4.10 reflow)', async () => {
    const page = await pageAt(390, 'light');
    const wide = [];
    for (const rel of allPages(siteDir('WAYPOST_SITE'))) {
      await page.goto(site.server.url + rel, { waitUntil: 'load' });
      const found = await page.evaluate(() => {
        const W = document.documentElement.clientWidth;
        const over = document.documentElement.scrollWidth - W;
        if (over <= 0) return null;
        // The outermost elements sticking out that no scrolling box clips.
        const clipped = (e) => {
          for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return true;
          return false;
        };
        const culprits = [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > W + 1 && !clipped(e))
          .filter((e) => !(e.parentElement && e.parentElement.getBoundingClientRect().right > W + 1 && !clipped(e.parentElement)))
          .slice(0, 3)
          .map((e) => `<${e.localName}${e.className ? ` class="${e.className}"` : ''}> in <${e.parentElement.localName} class="${e.parentElement.className}">`);
        return { over, culprits };
      });
      if (found) wide.push(`  ${rel}: ${found.over}px too wide — ${found.culprits.join(', ')}`);
    }
    await page.context().close();
    assert.deepEqual(wide, [], `pages wider than 390px:${fmtList(wide)}`);
  });

  for (const scheme of SCHEMES) {
    it(`practice quiz showing its results (wrong answers, feedback, explanations), ${scheme}: 0 violations`, async () => {
      const page = await pageAt(1280, scheme);
      await page.goto(site.server.url + PAGES.practice);
      await settle(page);
      const quiz = await page.$eval('section.quiz[data-mode="practice"]', (s) => `#${s.id}`);
      await answerQuiz(page, quiz, false);
      await page.click(`${quiz} [data-quiz-submit]`);
      await waitForStatus(page, quiz, /scored/);
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], `axe violations with quiz results shown (${scheme}):${fmtList(violations)}`);
      await page.context().close();
    });

    it(`search results open at 390px, ${scheme}: 0 violations`, async () => {
      const page = await pageAt(390, scheme);
      await page.goto(site.server.url + PAGES.catalog);
      await settle(page);
      await page.locator('#wp-search-input').pressSequentially('dmarc');
      await page.waitForSelector('#wp-search-results:not([hidden]) .search-result');
      await page.keyboard.press('ArrowDown');
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], `axe violations with search results open (${scheme}):${fmtList(violations)}`);
      await page.context().close();
    });
  }
});
