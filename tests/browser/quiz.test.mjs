// Quizzes in the browser: practice quizzes (mouse and keyboard), graded quizzes on a static host,
// the --static-only site, and reading a lesson without JavaScript.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  PAGES, launchBrowser, openPage, settle, startServer, siteDir,
  answerQuiz, questionsOf, resultTexts, waitForStatus, fmtList,
} from './helpers.mjs';

describe('quizzes', { timeout: 180_000 }, () => {
  let site;
  let staticSite;
  let browser;
  const contexts = [];

  before(async () => {
    site = await startServer({ root: siteDir('WAYPOST_SITE') });
    staticSite = await startServer({ root: siteDir('WAYPOST_STATIC_SITE') });
    browser = await launchBrowser();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await site?.close();
    await staticSite?.close();
  });

  async function open(url, options) {
    const opened = await openPage(browser, options);
    contexts.push(opened.context);
    const resp = await opened.page.goto(url);
    assert.equal(resp.status(), 200, `${url} answered ${resp.status()}`);
    await settle(opened.page);
    return { ...opened, resp };
  }

  describe('practice quiz', () => {
    it('wrong answers: each question says "Incorrect", chosen option feedback and explanations appear, not passed', async () => {
      const { page, problems } = await open(site.url + PAGES.practice);
      const quiz = await page.$eval('section.quiz[data-mode="practice"]', (s) => `#${s.id}`);
      assert.ok(await page.isVisible(`${quiz} [data-quiz-submit]`), 'the "Check answers" button is shown once quiz.js runs');
      assert.equal(await page.locator(`${quiz} details.reveal:visible`).count(), 0, 'the no-JS answer reveals are hidden once enhanced');

      const qs = await answerQuiz(page, quiz, false);
      assert.ok(qs.length >= 2, `the practice quiz has questions (${qs.length})`);
      await page.click(`${quiz} [data-quiz-submit]`);
      const status = await waitForStatus(page, quiz, /scored/);

      const results = await resultTexts(page, quiz);
      assert.equal(results.length, qs.length);
      for (const [i, text] of results.entries()) assert.match(text, /Incorrect/, `question ${i + 1} result: "${text}"`);
      assert.match(status, /0%/, `status: ${status}`);
      assert.match(status, /Not passed/, `status: ${status}`);

      // The feedback of every chosen wrong option that has one is visible, and only those.
      const feedback = await page.$$eval(`${quiz} .option`, (lis) => lis.map((li) => {
        const fb = li.querySelector('[data-option-feedback]');
        return { checked: li.querySelector('input').checked, has: Boolean(fb), visible: Boolean(fb && !fb.hidden && fb.offsetParent), text: fb ? fb.textContent.trim() : '' };
      }));
      const shown = feedback.filter((f) => f.checked && f.has);
      assert.ok(shown.length > 0, 'at least one chosen wrong option carries author feedback');
      for (const f of shown) assert.ok(f.visible && f.text.length > 0, `feedback of a chosen option is visible: ${JSON.stringify(f)}`);
      for (const f of feedback.filter((x) => !x.checked && x.has)) assert.ok(!f.visible, 'feedback of options not chosen stays hidden');
      assert.ok(await page.locator(`${quiz} .option-mark`).count() > 0, 'chosen options are marked in text ("Your choice: …")');

      // Explanations: every question that has one shows it.
      const explanations = await page.$$eval(`${quiz} [data-explanation]`, (ns) => ns.map((n) => ({ visible: !n.hidden && Boolean(n.offsetParent), text: n.textContent.replace('Explanation', '').trim() })));
      assert.ok(explanations.length > 0, 'the quiz has explanations');
      for (const e of explanations) assert.ok(e.visible && e.text.length > 10, `explanation shown: ${JSON.stringify(e)}`);
      // Question-level feedback (true-false etc.) shown for wrong answers.
      for (const fb of await page.$$eval(`${quiz} [data-feedback]`, (ns) => ns.map((n) => !n.hidden))) assert.ok(fb, 'question feedback shown for a wrong answer');

      const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('waypost.progress.v1') || '{}'));
      const ids = await page.$eval(quiz, (s) => ({ course: s.dataset.course, quiz: s.dataset.quiz }));
      assert.equal(stored[ids.course]?.quizzes?.[ids.quiz]?.passed, false, `progress.js stored the failed attempt: ${JSON.stringify(stored)}`);
      assert.deepEqual(problems, [], `page problems:${fmtList(problems)}`);
    });

    it('"Try again" then right answers: each question says "Correct", score 100% and passed', async () => {
      const { page, problems } = await open(site.url + PAGES.practice);
      const quiz = await page.$eval('section.quiz[data-mode="practice"]', (s) => `#${s.id}`);
      await answerQuiz(page, quiz, false);
      await page.click(`${quiz} [data-quiz-submit]`);
      await waitForStatus(page, quiz, /scored/);

      await page.click(`${quiz} [data-quiz-reset]`);
      const cleared = await page.$eval(quiz, (s) => ({
        results: [...s.querySelectorAll('[data-result]')].every((r) => r.hidden),
        status: s.querySelector('[data-quiz-status]').textContent,
        checked: [...s.querySelectorAll('input')].filter((i) => i.checked || (i.type === 'text' && i.value)).length,
      }));
      assert.deepEqual(cleared, { results: true, status: '', checked: 0 }, '"Try again" clears answers and results');

      const qs = await answerQuiz(page, quiz, true);
      await page.click(`${quiz} [data-quiz-submit]`);
      const status = await waitForStatus(page, quiz, /scored/);
      const results = await resultTexts(page, quiz);
      for (const [i, text] of results.entries()) {
        assert.match(text, /Correct/, `question ${i + 1} result: "${text}"`);
        assert.doesNotMatch(text, /Incorrect/, `question ${i + 1} result: "${text}"`);
      }
      assert.match(status, /100%/, `status: ${status}`);
      assert.match(status, new RegExp(`${qs.length} of ${qs.length} correct`), `status: ${status}`);
      assert.match(status, /Passed/, `status: ${status}`);
      assert.equal(await page.locator(`${quiz} [data-feedback]:visible, ${quiz} [data-option-feedback]:visible`).count(), 0, 'no wrong-answer feedback after right answers');
      assert.deepEqual(problems, [], `page problems:${fmtList(problems)}`);
    });

    it('can be answered with the keyboard only (Tab, arrows, Space, Enter)', async () => {
      const { page, problems } = await open(site.url + PAGES.practice);
      const quiz = await page.$eval('section.quiz[data-mode="practice"]', (s) => `#${s.id}`);
      const qs = await questionsOf(page, quiz);
      const keys = Object.fromEntries(qs.map((q) => [q.id, q.key]));

      // Tab from the top of the page into the quiz, answering each question as focus reaches it.
      let submitted = false;
      const done = new Set();
      for (let presses = 0; presses < 400 && !submitted; presses += 1) {
        await page.keyboard.press('Tab');
        const at = await page.evaluate((sel) => {
          const a = document.activeElement;
          if (!a || !a.closest(sel)) return null;
          const fs = a.closest('fieldset.question');
          return { tag: a.tagName, type: a.type || '', value: a.value, submit: a.matches('[data-quiz-submit]'), question: fs ? fs.id : null };
        }, quiz);
        if (!at) continue;
        if (at.submit) {
          await page.keyboard.press('Enter');
          submitted = true;
        } else if (at.type === 'radio' && !done.has(at.question)) {
          const want = String(keys[at.question]);
          await page.keyboard.press('Space');
          for (let i = 0; i < 12; i += 1) {
            const v = await page.evaluate(() => document.activeElement.value);
            if (v === want) break;
            await page.keyboard.press('ArrowDown');
          }
          await page.keyboard.press('Space');
          done.add(at.question);
        } else if (at.type === 'checkbox') {
          const want = keys[at.question].map(String);
          if (want.includes(at.value)) await page.keyboard.press('Space');
          done.add(at.question);
        }
      }
      assert.ok(submitted, 'Tab reached the "Check answers" button');
      assert.equal(done.size, qs.length, `every question was reached by Tab (${[...done].join(', ')})`);
      const status = await waitForStatus(page, quiz, /scored/);
      const results = await resultTexts(page, quiz);
      for (const [i, text] of results.entries()) assert.match(text, /^\W*Correct/, `question ${i + 1} result: "${text}"`);
      assert.match(status, /100%/, `status: ${status}`);
      assert.deepEqual(problems, [], `page problems:${fmtList(problems)}`);
    });
  });

  describe('graded quiz on a static host', () => {
    it('shows the sign-in notice, disables submit and ships no answer key', async () => {
      const before = site.requests.length;
      const { page, resp, problems } = await open(site.url + PAGES.graded);
      const source = await resp.text();
      assert.match(source, /data-mode="graded"/, 'the page holds a graded quiz');
      assert.ok(!source.includes('data-key'), 'the page source contains no data-key');
      for (const leak of ['class="reveal"', 'data-explanation', 'data-option-feedback', 'data-feedback', 'Show the answer']) {
        assert.ok(!source.includes(leak), `the page source contains no ${leak}`);
      }

      const quiz = await page.$eval('section.quiz[data-mode="graded"]', (s) => `#${s.id}`);
      const notice = page.locator(`${quiz} [data-quiz-notice]`);
      await notice.waitFor({ state: 'visible', timeout: 10_000 });
      assert.match(await notice.innerText(), /Sign in to submit your answers/);
      const href = await notice.locator('a').getAttribute('href');
      assert.match(href, /account\/sign-in\?next=/, `sign-in link: ${href}`);
      assert.ok(await page.isVisible(`${quiz} [data-quiz-submit]`), 'the submit button is shown');
      assert.ok(await page.isDisabled(`${quiz} [data-quiz-submit]`), 'the submit button is disabled');

      const api = site.requests.slice(before).filter((r) => r.path.includes('/api/'));
      assert.ok(api.some((r) => r.path.endsWith('/api/me') && r.status === 404), `quiz.js asked /api/me and got 404: ${JSON.stringify(api)}`);
      assert.ok(!api.some((r) => r.method === 'POST'), 'nothing was posted');
      assert.deepEqual(problems, [], `page problems:${fmtList(problems)}`);
    });
  });

  describe('--static-only site', () => {
    it('turns the graded quiz into a practice quiz that can be passed in the browser', async () => {
      const before = staticSite.requests.length;
      const { page, resp, problems } = await open(staticSite.url + PAGES.graded);
      const source = await resp.text();
      assert.ok(!source.includes('data-mode="graded"'), 'no graded quiz on a static-only page');
      const quiz = await page.$eval('section.quiz', (s) => `#${s.id}`);
      assert.equal(await page.getAttribute(quiz, 'data-mode'), 'practice');
      const qs = await questionsOf(page, quiz);
      assert.ok(qs.length > 0 && qs.every((q) => q.key !== undefined), 'every question carries its practice key');
      assert.ok(!(await page.isVisible(`${quiz} [data-quiz-notice]`)), 'no sign-in notice');
      assert.ok(await page.isEnabled(`${quiz} [data-quiz-submit]`), 'the "Check answers" button is enabled');

      await answerQuiz(page, quiz, true);
      await page.click(`${quiz} [data-quiz-submit]`);
      const status = await waitForStatus(page, quiz, /scored/);
      const results = await resultTexts(page, quiz);
      for (const [i, text] of results.entries()) assert.match(text, /^\W*Correct/, `question ${i + 1} (${qs[i].type}) result: "${text}"`);
      assert.match(status, /100%/, `status: ${status}`);
      assert.match(status, /Passed/, `status: ${status}`);
      const api = staticSite.requests.slice(before).filter((r) => r.path.includes('/api/'));
      assert.deepEqual(api, [], 'a static-only page never calls the API');
      assert.deepEqual(problems, [], `page problems:${fmtList(problems)}`);
    });
  });

  describe('--static-only site: nothing promises a server', () => {
    it('the course page and the catalog do not announce graded quizzes, a pass mark or a certificate', async () => {
      const claims = [/graded quiz/i, /pass mark/i, /certificate/i];
      const mainText = async (url) => (await open(url)).page.locator('main').innerText();
      // The same pages of the served site make every claim, so the check below can fail.
      const served = await mainText(site.url + PAGES.course);
      for (const claim of claims) assert.match(served, claim, `the served course page claims ${claim}`);
      assert.match(await mainText(site.url + PAGES.catalog), /certificate/i, 'the served catalog mentions certificates');

      for (const rel of [PAGES.course, PAGES.catalog]) {
        const text = await mainText(staticSite.url + rel);
        for (const claim of claims) assert.doesNotMatch(text, claim, `the static-only ${rel} claims ${claim}`);
      }
    });

    it('marking a lesson complete does not call the (absent) API, and is still remembered', async () => {
      // On the served site the page asks the server who is signed in (and, signed out, posts
      // nothing: progress is merged at sign-in), so the check below can fail.
      const served = site.requests.length;
      const { page: onSite } = await open(site.url + PAGES.practice);
      await onSite.locator('button.complete-lesson').click();
      await onSite.waitForTimeout(300);
      const asked = site.requests.slice(served).filter((r) => r.method === 'GET' && r.path.endsWith('/api/me'));
      assert.ok(asked.length >= 1, 'the served site asks api/me');
      const posted = site.requests.slice(served).filter((r) => r.method === 'POST' && r.path.endsWith('/api/progress'));
      assert.equal(posted.length, 0, 'signed out, the completion stays in the browser until sign-in');

      const before = staticSite.requests.length;
      const { page } = await open(staticSite.url + PAGES.practice);
      await page.locator('button.complete-lesson').click();
      assert.equal(await page.getAttribute('button.complete-lesson', 'aria-pressed'), 'true');
      await page.waitForTimeout(300);
      const api = staticSite.requests.slice(before).filter((r) => r.path.includes('/api/'));
      assert.deepEqual(api, [], 'a static-only page never calls the API');
      const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('waypost.progress.v1') || '{}'));
      const [course, lesson] = PAGES.practice.replace(/\.html$/, '').split('/');
      assert.ok(stored[course]?.lessons?.[lesson]?.completed, `the completion is kept in localStorage: ${JSON.stringify(stored)}`);
    });
  });

  describe('option order', () => {
    it('the displayed order of options does not give the answer away', () => {
      // The static-only site carries every key, so the whole catalogue can be checked.
      const root = siteDir('WAYPOST_STATIC_SITE');
      let questions = 0;
      let first = 0;
      for (const d of fs.readdirSync(root, { withFileTypes: true })) {
        if (!d.isDirectory() || ['assets', 'search'].includes(d.name)) continue;
        for (const f of fs.readdirSync(path.join(root, d.name)).filter((x) => x.endsWith('.html'))) {
          const html = fs.readFileSync(path.join(root, d.name, f), 'utf8');
          for (const m of html.matchAll(/<fieldset class="question"[^>]*data-type="single"[^>]*data-key="([^"]*)"[^>]*>([\s\S]*?)<\/fieldset>/g)) {
            const key = JSON.parse(m[1].replace(/&quot;/g, '"'));
            const shown = m[2].match(/<li class="option" data-value="([^"]*)"/);
            questions += 1;
            if (shown && shown[1] === String(key)) first += 1;
          }
        }
      }
      assert.ok(questions >= 10, `found ${questions} single-choice questions`);
      assert.ok(first / questions <= 0.5, `the right answer is the first option shown in ${first} of ${questions} single-choice questions`);
    });
  });

  describe('without JavaScript', () => {
    it('the lesson reads normally and "Show the answer" reveals the practice answer', async () => {
      const { page } = await open(site.url + PAGES.practice, { javaScriptEnabled: false });
      assert.equal(await page.evaluate(() => typeof window.__waypostReportCsp), 'undefined', 'JavaScript is off');
      const h1 = page.locator('main h1');
      assert.ok(await h1.isVisible(), 'the lesson title is visible');
      const title = (await h1.innerText()).trim();
      assert.ok(title.length > 3 && (await page.title()).startsWith(title), `h1 "${title}" matches <title> "${await page.title()}"`);
      const h2s = page.locator('main .prose h2');
      assert.ok(await h2s.count() >= 2, 'the lesson has section headings');
      assert.ok(await h2s.first().isVisible(), 'section headings are visible');
      const para = page.locator('main .prose > p').first();
      assert.ok(await para.isVisible() && (await para.innerText()).trim().length > 40, 'lesson text is visible');

      const quiz = await page.$eval('section.quiz[data-mode="practice"]', (s) => `#${s.id}`);
      assert.ok(!(await page.isVisible(`${quiz} [data-quiz-submit]`)), 'the "Check answers" button (needs JS) is not shown');
      assert.equal(await page.locator('.search input').count(), 0, 'no search box without JS');

      // The first single-choice question: its reveal names the option its key points at.
      const q = (await questionsOf(page, quiz)).find((x) => x.type === 'single');
      assert.ok(q, 'the practice quiz has a single-choice question');
      const details = page.locator(`#${q.id} details.reveal`);
      assert.ok(await details.isVisible(), '"Show the answer" is visible');
      assert.equal(await details.evaluate((d) => d.open), false, 'closed at first');
      const answer = details.locator('.reveal-answer');
      assert.ok(!(await answer.isVisible()), 'the answer is hidden until asked for');
      await details.locator('summary').click();
      assert.equal(await details.evaluate((d) => d.open), true, 'opened by a click on its summary');
      assert.ok(await answer.isVisible(), 'the answer is visible');
      const expected = (await page.locator(`#${q.id} input[value="${q.key}"] + label`).innerText()).trim();
      assert.equal((await answer.innerText()).trim(), expected, 'the revealed answer is the keyed option');
      const explanation = details.locator('.reveal-explanation');
      if (await explanation.count()) assert.ok(await explanation.isVisible(), 'the explanation is revealed too');
    });
  });
});
