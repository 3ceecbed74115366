// A learner's journeys in real Chromium against the real `waypost serve` (issue 11):
//
//   2. anonymous progress → sign up through the account form → the progress is merged → fail
//      the graded quiz (told which questions were wrong, never the key) → pass it → course
//      completed → "Get your certificate" → the PDF is a real PDF → an anonymous visitor opens
//      /verify/{id} and sees "valid";
//   4. the graded quiz part of journey 2 with the keyboard only (Tab, arrows, Space, Enter),
//      focus visible at every stop;
//   5. a 375×812 viewport in dark mode: no horizontal scrolling on lesson pages, the quiz
//      controls are big enough and work by touch.
//
// The course is fixtures/journey, copied into a temp dir with a fresh data dir per run. Its
// graded quiz's right answers are known here by their option TEXT: the displayed positions are
// shuffled with the server's secret, so a position says nothing.
// WAYPOST_SCREENSHOT_DIR=dir saves screenshots (the failed graded quiz; journey 5's mobile dark
// pages), and any journey's pages on failure (without it, failure screenshots go to a temp dir
// whose path is printed). JOURNEY_DEBUG=1 prints
// each step with the seconds since start.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { HERE, launchBrowser, openPage, axeViolations, resultTexts, waitForStatus, fmtList, startWaypost } from './helpers.mjs';

const COURSE_DIR = path.join(HERE, 'fixtures/journey');
const COURSE = 'journey-course';
const LESSON1 = `${COURSE}/first-steps.html`;
const LESSON2 = `${COURSE}/final-check.html`;
const QUIZ = '#quiz-final';
const PRACTICE = '#quiz-warm-up';

// The graded quiz "final", by visible option text.
const RIGHT = {
  'record-type': ['TXT record'],
  mechanisms: ['The ip4 mechanism', 'The include mechanism'],
  'dns-published': ['True'],
};
// One of three right (mechanisms): 33%, below the pass mark of 100.
const WRONG = {
  'record-type': ['MX record'],
  mechanisms: ['The ip4 mechanism', 'The include mechanism'],
  'dns-published': ['False'],
};
// Texts that only a right answer may reveal: the explanations of the two wrongly answered
// questions (explanations come only with right answers) and the answer words themselves.
const SECRETS_OF_WRONG = ['RFC 7208', "sending domain's DNS"];

const T0 = Date.now();
const step = (m) => { if (process.env.JOURNEY_DEBUG) console.log(`# ${((Date.now() - T0) / 1000).toFixed(1)} s: ${m}`); };
const SHOTS = process.env.WAYPOST_SCREENSHOT_DIR;
async function shoot(page, name) {
  if (!SHOTS) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Runs `fn`; on failure saves a screenshot of every open page of `pages()` as an artifact. */
async function withFailureShots(name, pages, fn) {
  try {
    await fn();
  } catch (err) {
    const dir = SHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'waypost-journey-failure-'));
    fs.mkdirSync(dir, { recursive: true });
    for (const [i, p] of pages().entries()) {
      if (!p || p.isClosed()) continue;
      const file = path.join(dir, `failure-${name}-${i + 1}.png`);
      await p.screenshot({ path: file, fullPage: true }).then(() => console.log(`# failure screenshot: ${file} (${p.url()})`), () => {});
    }
    throw err;
  }
}

/**
 * Console problems other than the one a signed-out visitor always gets from a real server:
 * progress.js and quiz.js ask `api/me`, which answers 401 (Chromium logs it as an error).
 */
/**
 * Init script: keeps a copy of every api/ answer the page's own fetch() gets, in
 * window.__waypostApi ({method, url, status, body}), so a test reads exactly what the page read.
 */
const RECORD_API = () => {
  const real = window.fetch.bind(window);
  window.__waypostApi = [];
  window.fetch = async (input, init = {}) => {
    const r = await real(input, init);
    const url = new URL(typeof input === 'string' ? input : input.url, location.href).href;
    if (url.includes('/api/')) {
      const entry = { method: (init.method || 'GET').toUpperCase(), url, status: r.status, body: null };
      window.__waypostApi.push(entry);
      r.clone().text().then((t) => { entry.body = t; }, () => {});
    }
    return r;
  };
};

/** Waits until the page's fetch() has had `count` answers from `method` URLs ending in `suffix`; returns them. */
async function apiCalls(page, method, suffix, count = 1) {
  const handle = await page.waitForFunction(([m, s, n]) => {
    const got = (window.__waypostApi || []).filter((e) => e.method === m && e.url.endsWith(s) && e.body !== null);
    return got.length >= n ? got : null;
  }, [method, suffix, count], { timeout: 15_000 });
  return handle.jsonValue();
}

const realProblems = (problems) => problems.filter((p) => !/Failed to load resource: the server responded with a status of 401.*\/api\/me"/.test(p));

/** Sets the options of every question of `quiz` whose label text is listed in `answers`. */
async function chooseByText(page, quiz, answers) {
  for (const [question, texts] of Object.entries(answers)) {
    const fieldset = page.locator(`${quiz} fieldset[data-question="${question}"]`);
    const options = fieldset.locator('li.option');
    const n = await options.count();
    assert.ok(n >= 2, `question ${question} has options`);
    const seen = [];
    for (let i = 0; i < n; i += 1) {
      const option = options.nth(i);
      const text = (await option.locator('label').innerText()).trim();
      seen.push(text);
      const input = option.locator('input');
      if (texts.includes(text)) await input.check();
      else if ((await input.getAttribute('type')) === 'checkbox') await input.uncheck();
    }
    for (const t of texts) assert.ok(seen.includes(t), `question ${question} offers "${t}" (it shows ${JSON.stringify(seen)})`);
  }
}

/** Waits (10 s at most) until the element's trimmed text is `want`; fails naming what it was. */
async function textBecomes(page, selector, want) {
  try {
    await page.waitForFunction(([sel, w]) => document.querySelector(sel)?.textContent.trim() === w, [selector, want], { timeout: 10_000 });
  } catch {
    assert.equal((await page.locator(selector).textContent())?.trim(), want, `${selector} never said "${want}"`);
  }
}

/** The browser's GET api/progress entry for the course (with the page's own cookie). */
function progressOf(page) {
  return page.evaluate(async (course) => {
    const r = await fetch('/api/progress', { headers: { Accept: 'application/json' } });
    const j = await r.json();
    return j.courses ? j.courses[course] : undefined;
  }, COURSE);
}

/** Is the element that has focus visibly focused? Returns null when it is, else a description. */
function focusProblem(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    if (!a || a === document.body) return null;
    const s = getComputedStyle(a);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    const shadow = s.boxShadow && s.boxShadow !== 'none';
    if (a.matches(':focus-visible') && (outline || shadow)) return null;
    const what = `${a.tagName.toLowerCase()}${a.id ? `#${a.id}` : ''}${a.className ? `.${String(a.className).trim().replace(/\s+/g, '.')}` : ''}`;
    return `${what}: focus-visible=${a.matches(':focus-visible')} outline=${s.outlineStyle} ${s.outlineWidth} box-shadow=${s.boxShadow}`;
  });
}

describe('learner journeys against waypost serve', { timeout: 240_000 }, () => {
  let dir;
  let server;
  let browser;
  let base;
  const contexts = [];
  async function open(options) {
    const opened = await openPage(browser, options);
    contexts.push(opened.context);
    await opened.context.addInitScript(RECORD_API);
    return opened;
  }
  async function visit(page, url) {
    const resp = await page.goto(url);
    assert.equal(resp.status(), 200, `${url} answered ${resp.status()}`);
    await page.waitForLoadState('load');
    return resp;
  }
  /** Sign up with the API in this context (journeys 4 and 5 start signed in), lesson 1 done. */
  async function signedInWithLessonOne(context, email) {
    const signUp = await context.request.post(`${base}api/users`, { data: { email, display_name: 'Kim Keyboard', password: 'journey passphrase 4' } });
    assert.equal(signUp.status(), 201, await signUp.text());
    const headers = { 'x-csrf-token': (await signUp.json()).csrf_token };
    const done = await context.request.post(`${base}api/progress`, { headers, data: { course: COURSE, lesson: 'first-steps', event: 'completed' } });
    assert.equal(done.status(), 204);
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waypost-journey-'));
    fs.cpSync(COURSE_DIR, path.join(dir, 'courses', COURSE), { recursive: true });
    server = startWaypost(dir);
    base = await server.url;
    browser = await launchBrowser();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    server?.child.kill();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('journey 2: anonymous progress, sign up, merge, fail then pass the graded quiz, certificate, PDF, verify', async () => {
    const { context, page, problems } = await open();
    let visitor = null;
    await withFailureShots('journey-2', () => [page, visitor], async () => {
      // Anonymous: the practice quiz and "Mark lesson complete" on lesson 1.
      step('Anonymous');
      await visit(page, base + LESSON1);
      await page.locator(`${PRACTICE} label`, { hasText: 'True' }).click();
      await page.locator(`${PRACTICE} [data-quiz-submit]`).click();
      await waitForStatus(page, PRACTICE, /Passed/);
      const complete = page.getByRole('button', { name: 'Mark lesson complete' });
      await complete.click();
      assert.equal(await complete.getAttribute('aria-pressed'), 'true');
      assert.match(await page.locator('[data-complete-status]').innerText(), /You have completed this lesson/);
      const local = await page.evaluate(() => JSON.parse(localStorage.getItem('waypost.progress.v1')));
      assert.ok(local[COURSE].lessons['first-steps'].completed, `stored in this browser: ${JSON.stringify(local)}`);
      assert.equal(local[COURSE].quizzes['warm-up'].passed, true);

      // Sign up through the account page's form, coming back to the course page.
      step('Sign up through');
      await visit(page, `${base}account/sign-up?next=${encodeURIComponent(`/${COURSE}/index.html`)}`);
      assert.equal((await page.locator('h1').innerText()).trim(), 'Create your account');
      const signUpAxe = await axeViolations(page);
      assert.deepEqual(signUpAxe, [], `axe on the sign-up page:\n${signUpAxe.join('\n')}`);
      await page.getByLabel('Your name').fill('Jules Journey');
      await page.getByLabel('Email address').fill('journey@example.org');
      await page.getByLabel('Password').fill('journey passphrase 2');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(`${base}${COURSE}/index.html`);
      const [merge] = await apiCalls(page, 'POST', '/api/progress/merge');
      assert.equal(merge.status, 200);
      assert.deepEqual(JSON.parse(merge.body), { recorded: 1, ignored: 0 }, 'the anonymous lesson is merged into the new account');

      // The account has it; the course page shows it.
      step('The account has it');
      const p1 = await progressOf(page);
      assert.deepEqual(p1.lessons_completed, ['first-steps'], JSON.stringify(p1));
      assert.equal(p1.state, 'in-progress');
      await page.reload();
      await page.locator('li[data-lesson="first-steps"] [data-status]:not([hidden])').waitFor();
      await textBecomes(page, '[data-progress] .progress-text', '1 of 2 lessons completed');
      await textBecomes(page, 'li[data-lesson="first-steps"] [data-status]', 'Completed');
      await textBecomes(page, '[data-start]', 'Continue course');
      assert.equal(await page.locator('[data-certificate-offer]').isVisible(), false, 'no certificate offer before completion');

      // Lesson 2: the graded quiz; its page ships no key.
      step('Lesson 2');
      await page.locator('[data-start]').click();
      await page.waitForURL(`${base}${LESSON2}`);
      const source = await (await context.request.get(base + LESSON2)).text();
      for (const leak of ['data-key', 'data-explanation', 'data-feedback', 'data-option-feedback', 'class="reveal"', ...SECRETS_OF_WRONG]) {
        assert.ok(!source.includes(leak), `the graded lesson's HTML holds no ${leak}`);
      }
      const submit = page.locator(`${QUIZ} [data-quiz-submit]`);
      await assert.doesNotReject(submit.waitFor({ state: 'visible' }));
      await page.waitForFunction((sel) => !document.querySelector(`${sel} [data-quiz-submit]`).disabled, QUIZ);

      // Fail it: 1 of 3.
      step('Fail it 1 of 3');
      await chooseByText(page, QUIZ, WRONG);
      await submit.click();
      const [failedResp] = await apiCalls(page, 'POST', '/quizzes/final/attempts');
      assert.equal(failedResp.status, 201);
      const failedText = failedResp.body;
      const failed = JSON.parse(failedText);
      assert.equal(failed.passed, false);
      assert.equal(failed.score, 33);
      assert.equal(failed.course_completed, false);
      assert.deepEqual(Object.fromEntries(Object.entries(failed.questions).map(([q, r]) => [q, r.correct])), { 'record-type': false, mechanisms: true, 'dns-published': false });
      for (const q of ['record-type', 'dns-published']) assert.ok(!failed.questions[q].explanation_html, `no explanation for the wrong ${q}: ${JSON.stringify(failed.questions[q])}`);
      for (const secret of SECRETS_OF_WRONG) assert.ok(!failedText.includes(secret), `the failed attempt's answer does not hold "${secret}": ${failedText}`);
      assert.ok(!/TXT|"True"|"true"/.test(JSON.stringify(failed.questions)), `the failed attempt's answer names no right option: ${failedText}`);

      const status = await waitForStatus(page, QUIZ, /scored/);
      assert.match(status, /You scored 33% — 1 of 3 correct/);
      assert.match(status, /Not passed yet/);
      const results = await resultTexts(page, QUIZ);
      assert.deepEqual(results.map((t) => t.replace(/^\W+/, '')), ['Incorrect', 'Correct', 'Incorrect'], `per-question results: ${JSON.stringify(results)}`);
      // The page, too, names which were wrong and nothing of their right options.
      step('The page too names which were ');
      const shown = await page.$eval(QUIZ, (s) => ({
        keys: s.querySelectorAll('[data-key]').length,
        rightMarks: s.querySelectorAll('.is-right, .option-mark').length,
        explanations: [...s.querySelectorAll('fieldset.question')].map((f) => f.querySelectorAll('.question-explanation').length),
        feedback: [...s.querySelectorAll('fieldset[data-question="record-type"] .question-feedback')].map((n) => n.textContent.trim()),
        text: s.innerText,
      }));
      assert.equal(shown.keys, 0, 'no data-key in the graded quiz after answering');
      assert.equal(shown.rightMarks, 0, 'no option is marked right or wrong by the page');
      assert.deepEqual(shown.explanations, [0, 1, 0], 'an explanation only for the right answer');
      assert.deepEqual(shown.feedback, ['MX records say where mail for a domain is delivered.'], 'the feedback is the chosen option\'s');
      for (const secret of SECRETS_OF_WRONG) assert.ok(!shown.text.includes(secret), `the quiz shows no "${secret}"`);
      await shoot(page, 'journey-graded-quiz-failed');
      const failedAxe = await axeViolations(page);
      assert.deepEqual(failedAxe, [], `axe on the graded quiz after a wrong answer:\n${failedAxe.join('\n')}`);

      // Pass it.
      step('Pass it');
      await page.locator(`${QUIZ} [data-quiz-reset]`).click();
      await chooseByText(page, QUIZ, RIGHT);
      await submit.click();
      const passed = JSON.parse((await apiCalls(page, 'POST', '/quizzes/final/attempts', 2))[1].body);
      assert.equal(passed.passed, true);
      assert.equal(passed.score, 100);
      assert.equal(passed.course_completed, true);
      assert.match(await waitForStatus(page, QUIZ, /Passed/), /You scored 100% — 3 of 3 correct/);
      assert.deepEqual((await resultTexts(page, QUIZ)).map((t) => t.replace(/^\W+/, '')), ['Correct', 'Correct', 'Correct']);

      // The course is completed: course page, account API.
      step('The course is completed course');
      const p2 = await progressOf(page);
      assert.equal(p2.state, 'completed', JSON.stringify(p2));
      assert.deepEqual(p2.lessons_completed, ['first-steps', 'final-check']);
      assert.equal(p2.quizzes.final.passed, true);
      await visit(page, `${base}${COURSE}/index.html`);
      // Shown from this browser's copy first (lesson 2 is passed on the server only), then from the account.
      await textBecomes(page, '[data-progress] .progress-text', 'All 2 lessons completed');
      await textBecomes(page, '[data-start]', 'Review course');

      // "Get your certificate".
      step('Get your certificate');
      const offer = page.locator('[data-certificate-offer]');
      await offer.locator('form').waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await offer.getByLabel('Name to print on the certificate').inputValue(), 'Jules Journey');
      const courseAxe = await axeViolations(page);
      assert.deepEqual(courseAxe, [], `axe on the completed course page:\n${courseAxe.join('\n')}`);
      await offer.getByRole('button', { name: 'Get your certificate' }).click();
      const link = offer.getByRole('link', { name: 'Journey Course — Finisher' });
      await link.waitFor({ timeout: 10_000 });
      await link.click();
      await page.waitForURL(/\/certificates\/[A-Za-z0-9_-]{22}$/);
      const id = new URL(page.url()).pathname.split('/').pop();
      assert.equal((await page.locator('.certificate-name').innerText()).trim(), 'Jules Journey');
      assert.equal((await page.locator('.certificate-status').innerText()).trim(), 'Valid');

      // The PDF link gives a real PDF.
      step('The PDF link gives a real PDF');
      const pdfHref = await page.getByRole('link', { name: 'Download PDF' }).getAttribute('href');
      const pdf = await context.request.get(new URL(pdfHref, page.url()).href);
      assert.equal(pdf.status(), 200);
      assert.match(pdf.headers()['content-type'], /^application\/pdf/);
      const bytes = await pdf.body();
      assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-', 'the PDF starts with %PDF-');
      assert.ok(bytes.length > 1000 && bytes.subarray(-1024).toString('latin1').includes('%%EOF'), `a whole PDF (${bytes.length} bytes)`);
      assert.deepEqual(realProblems(problems), [], `console or CSP problems:${fmtList(realProblems(problems))}`);

      // An anonymous visitor in a new context: /verify/{id} says valid.
      step('An anonymous visitor in a new ');
      const anon = await open();
      visitor = anon.page;
      await visit(visitor, `${base}verify/${id}`);
      assert.equal(await visitor.evaluate(async () => (await fetch('/api/me')).status), 401, 'the visitor is not signed in');
      assert.equal((await visitor.locator('#verify-heading').innerText()).trim(), 'Valid certificate');
      assert.match(await visitor.locator('main').innerText(), /Jules Journey/);
      const verifyAxe = await axeViolations(visitor);
      assert.deepEqual(verifyAxe, [], `axe on the verification page:\n${verifyAxe.join('\n')}`);
      assert.deepEqual(realProblems(anon.problems), [], `console or CSP problems:${fmtList(realProblems(anon.problems))}`);
    });
  });
  it('journey 4: the graded quiz with the keyboard only (Tab, arrows, Space, Enter), focus always visible', async () => {
    const { context, page, problems } = await open();
    await withFailureShots('journey-4', () => [page], async () => {
      await signedInWithLessonOne(context, 'keyboard@example.org');
      await visit(page, base + LESSON2);
      await page.waitForFunction((sel) => !document.querySelector(`${sel} [data-quiz-submit]`).disabled, QUIZ);
      const unseen = [];
      let stops = 0;

      /** Press `key` until the focused element satisfies `test` (checked in the page); focus must be visible at every stop. */
      async function pressUntil(key, test, arg, max = 80) {
        for (let i = 0; i < max; i += 1) {
          await page.keyboard.press(key);
          stops += 1;
          const problem = await focusProblem(page);
          if (problem) unseen.push(problem);
          if (await page.evaluate(test, arg)) return;
        }
        throw new Error(`${key} × ${max} never reached the wanted element`);
      }
      const inQuestion = ([quiz, q]) => Boolean(document.activeElement?.closest(`${quiz} fieldset[data-question="${q}"]`));
      const labelOfFocus = () => document.activeElement?.labels?.[0]?.innerText.trim();
      const isSubmit = (quiz) => document.activeElement?.matches(`${quiz} [data-quiz-submit]`);

      /** Answer the graded quiz from the top with the keyboard: radios by arrows, checkboxes by Space. */
      async function answer(answers) {
        for (const [q, texts] of Object.entries(answers)) {
          await pressUntil('Tab', inQuestion, [QUIZ, q]);
          const type = await page.evaluate(() => document.activeElement.type);
          if (type === 'radio') {
            // Arrows move and select within the group; walk until the wanted label has focus.
            for (let i = 0; i < 8 && !texts.includes(await page.evaluate(labelOfFocus)); i += 1) {
              await page.keyboard.press('ArrowDown');
              const problem = await focusProblem(page);
              if (problem) unseen.push(problem);
            }
            assert.ok(texts.includes(await page.evaluate(labelOfFocus)), `arrows reached "${texts[0]}" in ${q}`);
            await page.keyboard.press('Space');
          } else {
            // Checkboxes: one Tab stop each; Space toggles.
            for (;;) {
              const state = await page.evaluate(([quiz, qq]) => {
                const a = document.activeElement;
                return a?.closest(`${quiz} fieldset[data-question="${qq}"]`) ? { label: a.labels[0].innerText.trim(), checked: a.checked } : null;
              }, [QUIZ, q]);
              if (!state) break;
              if (texts.includes(state.label) !== state.checked) await page.keyboard.press('Space');
              await page.keyboard.press('Tab');
              const problem = await focusProblem(page);
              if (problem) unseen.push(problem);
            }
            await page.keyboard.press('Shift+Tab');
          }
        }
        await pressUntil('Tab', isSubmit, QUIZ);
        await page.keyboard.press('Enter');
      }

      // From the top of the page: the skip link first, then into the quiz.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
      await answer(WRONG);
      assert.match(await waitForStatus(page, QUIZ, /scored/), /You scored 33%.*Not passed yet/s);
      assert.deepEqual((await resultTexts(page, QUIZ)).map((t) => t.replace(/^\W+/, '')), ['Incorrect', 'Correct', 'Incorrect']);
      assert.equal(await page.locator(`${QUIZ} [data-key]`).count(), 0);

      // "Try again" by keyboard: it puts focus back on the first answer.
      await pressUntil('Tab', (quiz) => document.activeElement?.matches(`${quiz} [data-quiz-reset]`), QUIZ);
      await page.keyboard.press('Enter');
      assert.ok(await page.evaluate((quiz) => Boolean(document.activeElement?.closest(`${quiz} fieldset.question`)), QUIZ), '"Try again" focuses the first question');
      const problem = await focusProblem(page);
      if (problem) unseen.push(`after "Try again": ${problem}`);
      // Back to before the quiz, then the same walk with the right answers.
      await page.keyboard.press('Shift+Tab');
      await answer(RIGHT);
      assert.match(await waitForStatus(page, QUIZ, /Passed/), /You scored 100% — 3 of 3 correct/);
      const p = await progressOf(page);
      assert.equal(p.state, 'completed', JSON.stringify(p));
      assert.ok(stops >= 10, `focus was checked at ${stops} Tab stops`);
      assert.deepEqual(unseen, [], `focus was not visible at:${fmtList(unseen)}`);
      assert.deepEqual(realProblems(problems), [], `console or CSP problems:${fmtList(realProblems(problems))}`);
    });
  });

  it('journey 5: 375×812 in dark mode — no sideways scrolling on lesson pages, quiz controls usable by touch', async () => {
    const { context, page, problems } = await open({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme: 'dark' });
    await withFailureShots('journey-5', () => [page], async () => {
      await signedInWithLessonOne(context, 'mobile@example.org');
      const layout = () => page.evaluate(() => {
        const bg = getComputedStyle(document.body).backgroundColor.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
        return {
          dark: matchMedia('(prefers-color-scheme: dark)').matches,
          luminance: (0.2126 * bg[0] + 0.7152 * bg[1] + 0.0722 * bg[2]) / 255,
          scrollWidth: document.documentElement.scrollWidth,
          clientWidth: document.documentElement.clientWidth,
          wide: [...document.querySelectorAll('main *')].filter((e) => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && (r.right > innerWidth + 1 || r.left < -1) && !e.closest('pre, table, [data-scroll-focus]');
          }).slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
        };
      });
      /** Every quiz control is inside the viewport's width and at least 24 px each way (WCAG 2.2 target size). */
      const controls = (quiz) => page.$$eval(`${quiz} input, ${quiz} label, ${quiz} button:not([hidden])`, (els) => els.map((e) => {
        const r = (e.matches('input[type=radio], input[type=checkbox]') ? e.closest('li') : e).getBoundingClientRect();
        return { what: `${e.tagName.toLowerCase()} ${e.id || e.textContent.trim()}`, left: r.left, right: r.right, width: r.width, height: r.height };
      }).filter((c) => c.width > 0 && (c.left < 0 || c.right > innerWidth || c.width < 24 || c.height < 24)));

      for (const url of [LESSON1, LESSON2]) {
        await visit(page, base + url);
        const l = await layout();
        assert.ok(l.dark, 'the page sees prefers-color-scheme: dark');
        assert.ok(l.luminance < 0.35, `dark background on ${url} (luminance ${l.luminance.toFixed(2)})`);
        assert.ok(l.scrollWidth <= l.clientWidth, `no horizontal scrolling on ${url}: scrollWidth ${l.scrollWidth} > ${l.clientWidth}; too wide: ${l.wide.join(', ')}`);
        assert.deepEqual(l.wide, [], `nothing in ${url} sticks out sideways`);
        await shoot(page, `journey-mobile-dark-${path.basename(url, '.html')}`);
      }

      // The practice quiz on lesson 1 by touch.
      await visit(page, base + LESSON1);
      assert.deepEqual(await controls(PRACTICE), [], 'practice quiz controls fit and are big enough');
      await page.locator(`${PRACTICE} label`, { hasText: 'True' }).tap();
      await page.locator(`${PRACTICE} [data-quiz-submit]`).tap();
      await waitForStatus(page, PRACTICE, /Passed/);

      // The graded quiz on lesson 2 by touch: wrong, then right.
      await visit(page, base + LESSON2);
      await page.waitForFunction((sel) => !document.querySelector(`${sel} [data-quiz-submit]`).disabled, QUIZ);
      assert.deepEqual(await controls(QUIZ), [], 'graded quiz controls fit and are big enough');
      const tapAnswers = async (answers) => {
        for (const [q, texts] of Object.entries(answers)) {
          for (const label of await page.locator(`${QUIZ} fieldset[data-question="${q}"] li.option label`).all()) {
            const want = texts.includes((await label.innerText()).trim());
            const input = page.locator(`#${await label.getAttribute('for')}`);
            if (want !== (await input.isChecked())) await label.tap();
          }
        }
      };
      await tapAnswers(WRONG);
      await page.locator(`${QUIZ} [data-quiz-submit]`).tap();
      assert.match(await waitForStatus(page, QUIZ, /scored/), /Not passed yet/);
      const after = await layout();
      assert.ok(after.scrollWidth <= after.clientWidth, `no horizontal scrolling after the results: ${after.scrollWidth} > ${after.clientWidth}`);
      await shoot(page, 'journey-mobile-dark-quiz-failed');
      await page.locator(`${QUIZ} [data-quiz-reset]`).tap();
      await tapAnswers(RIGHT);
      await page.locator(`${QUIZ} [data-quiz-submit]`).tap();
      assert.match(await waitForStatus(page, QUIZ, /Passed/), /100%/);
      await shoot(page, 'journey-mobile-dark-quiz-passed');
      const axe = await axeViolations(page);
      assert.deepEqual(axe, [], `axe on the graded quiz, mobile and dark:\n${axe.join('\n')}`);
      assert.deepEqual(realProblems(problems), [], `console or CSP problems:${fmtList(realProblems(problems))}`);
    });
  });
});
