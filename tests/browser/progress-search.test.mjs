// Progress kept in localStorage (lesson → course page → catalog) and the header search box.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { PAGES, settle, fmtList, useSite } from './helpers.mjs';

const COURSE = 'email-authentication';
const LESSON = 'spf-records'; // not the first lesson, so "1 done" cannot come from a default

describe('progress and search', { timeout: 180_000 }, () => {
  const site = useSite('WAYPOST_SITE');

  const fresh = (options) => site.open(options);

  describe('progress', () => {
    it('a lesson marked complete shows as done on the course page and in the catalog', async () => {
      const { page, problems } = await fresh();
      await page.goto(`${site.server.url}${COURSE}/${LESSON}.html`);
      await settle(page);
      const button = page.locator('button.complete-lesson');
      await button.waitFor({ state: 'visible' });
      assert.equal((await button.innerText()).trim(), 'Mark lesson complete');
      assert.equal(await button.getAttribute('aria-pressed'), 'false');
      await button.click();
      assert.equal(await button.getAttribute('aria-pressed'), 'true', 'the button shows the lesson as complete');
      assert.match(await page.locator('[data-complete-status]').innerText(), /completed this lesson/);

      // The course page, loaded afresh and reloaded: the lesson is ticked, the bar says 1.
      await page.goto(`${site.server.url}${COURSE}/index.html`);
      await settle(page);
      await page.reload();
      await settle(page);
      const ids = (await page.getAttribute('[data-course][data-lessons]', 'data-lessons')).trim().split(/\s+/);
      assert.ok(ids.includes(LESSON) && ids.length > 1, `course lists its lessons: ${ids.join(' ')}`);
      const items = await page.$$eval('li[data-lesson]', (lis) => lis.map((li) => {
        const s = li.querySelector('[data-status]');
        return { id: li.dataset.lesson, complete: li.classList.contains('is-complete'), status: s && !s.hidden ? s.textContent.trim() : '' };
      }));
      const done = items.filter((i) => i.complete);
      assert.deepEqual(done.map((i) => i.id), [LESSON], `exactly the marked lesson is complete: ${JSON.stringify(items)}`);
      assert.equal(done[0].status, 'Completed');
      assert.ok(await page.locator(`li[data-lesson="${LESSON}"] [data-status]`).isVisible(), '"Completed" is visible on the lesson row');

      const bar = page.locator('.course-progress[data-progress]');
      assert.ok(await bar.isVisible(), 'the course progress bar is shown');
      assert.equal(await bar.locator('progress').evaluate((p) => p.value), 1);
      assert.equal(await bar.locator('progress').evaluate((p) => p.max), ids.length);
      assert.equal((await bar.locator('.progress-text').innerText()).trim(), `1 of ${ids.length} lessons completed`);
      const start = page.locator('[data-start]');
      assert.match(await start.innerText(), /Continue/, 'the start button now continues the course');
      assert.equal(await start.getAttribute('href'), `${ids[0]}.html`, '"Continue" points at the first lesson not completed');

      // The catalog card of this course shows the same; the other courses are untouched.
      await page.goto(site.server.url + PAGES.catalog);
      await settle(page);
      const cards = await page.$$eval('[data-course][data-lesson-count]', (cs) => cs.map((c) => {
        const box = c.querySelector('[data-progress]');
        return { course: c.dataset.course, count: Number(c.dataset.lessonCount), shown: Boolean(box && !box.hidden), value: box?.querySelector('progress')?.value, text: box?.textContent.trim() };
      }));
      const card = cards.find((c) => c.course === COURSE);
      assert.ok(card, `catalog lists ${COURSE}`);
      assert.deepEqual({ shown: card.shown, value: card.value, text: card.text }, { shown: true, value: 1, text: `1 of ${card.count} lessons completed` }, JSON.stringify(card));
      for (const other of cards.filter((c) => c.course !== COURSE)) assert.equal(other.shown, false, `${other.course} shows no progress`);
      assert.deepEqual(problems, [], `page problems:${fmtList(problems)}`);
    });
  });

  describe('search', () => {
    const index = () => JSON.parse(fs.readFileSync(path.join(site.root, 'search', 'index.json'), 'utf8'));

    for (const term of ['alignment', 'DNSSEC']) {
      it(`"${term}": results list its lesson, ArrowDown + Enter opens the result`, async () => {
        // The lessons whose title holds the term, from the site's own index.
        const lessons = [...new Set(index().lessons.map((l) => l[1]).filter((t) => t.toLowerCase().includes(term.toLowerCase())))];
        assert.ok(lessons.length > 0, `the shipped courses have a lesson titled with "${term}"`);

        const { page, problems } = await fresh();
        const start = site.server.requests.length;
        await page.goto(site.server.url + PAGES.catalog);
        await settle(page);
        const input = page.locator('.search input[role="combobox"]');
        assert.equal(await input.count(), 1, 'search.js added the search box');
        assert.ok(!site.server.requests.slice(start).some((r) => r.path === '/search/index.json'), 'the index is not loaded before the box is focused');
        const before = site.server.requests.length;
        await input.focus();
        await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/search/index.json')));
        assert.ok(site.server.requests.slice(before).some((r) => r.path === '/search/index.json'), 'focus loads the index');
        await input.pressSequentially(term, { delay: 20 });
        await page.waitForSelector('#wp-search-results:not([hidden]) .search-result');
        assert.equal(await input.getAttribute('aria-expanded'), 'true');

        const options = await page.$$eval('#wp-search-results .search-result', (os) => os.map((o) => ({ id: o.id, text: o.textContent, href: o.dataset.href })));
        assert.ok(options.length > 0 && options.length <= 10, `1–10 results (${options.length})`);
        assert.ok(options.some((o) => lessons.some((l) => o.text.includes(l))), `a result names ${JSON.stringify(lessons)}: ${JSON.stringify(options.map((o) => o.text))}`);
        assert.match(await page.locator('.search [role="status"]').innerText(), /\d+ results?/);

        await page.keyboard.press('ArrowDown');
        const active = await input.getAttribute('aria-activedescendant');
        assert.equal(active, options[0].id, 'ArrowDown selects the first result');
        assert.equal(await page.getAttribute(`#${active}`, 'aria-selected'), 'true');
        const target = new URL(options[0].href, page.url()).href;
        await Promise.all([page.waitForURL(target, { timeout: 10_000 }), page.keyboard.press('Enter')]);
        await settle(page);
        assert.equal(page.url(), target, 'Enter opened the selected result');
        const hash = new URL(target).hash;
        if (hash) assert.equal(await page.locator(`[id="${decodeURIComponent(hash.slice(1))}"]`).count(), 1, `the result's section ${hash} exists`);
        assert.ok(await page.locator('main h1').isVisible(), 'the lesson page shows');
        assert.deepEqual(problems, [], `page problems:${fmtList(problems)}`);
      });
    }

    it('a nonsense term says there are no results', async () => {
      const { page, problems } = await fresh();
      await page.goto(site.server.url + PAGES.course);
      await settle(page);
      const input = page.locator('.search input[role="combobox"]');
      await input.focus();
      await input.pressSequentially('qzxvkjwq', { delay: 20 });
      const empty = page.locator('#wp-search-results:not([hidden]) .search-empty');
      await empty.waitFor({ state: 'visible' });
      assert.match(await empty.innerText(), /No matching lessons/);
      assert.equal(await page.locator('#wp-search-results .search-result').count(), 0);
      await page.waitForFunction(() => /No results/.test(document.querySelector('.search [role="status"]').textContent));
      await page.keyboard.press('Escape');
      assert.equal(await input.getAttribute('aria-expanded'), 'false', 'Escape closes the list');
      assert.deepEqual(problems, [], `page problems:${fmtList(problems)}`);
    });
  });
});
