// Shared helpers for the Waypost browser suite: environment, Chromium, page diagnostics, axe,
// and answering quizzes from their practice keys.
//
// run.sh builds the sites and passes them in:
//   WAYPOST_SITE          the shipped courses, `waypost build courses --out …` (precompressed)
//   WAYPOST_STATIC_SITE   the same with --static-only (every quiz is practice)
//   WAYPOST_HOSTILE_SITE  fixtures/hostile built with `waypost build`
//   CHROMIUM              the browser binary (default /usr/bin/chromium)

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

import { startServer } from './server.mjs';

export { startServer };

export const HERE = path.dirname(new URL(import.meta.url).pathname);
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** A built site folder from the environment; fails loudly when the suite was not started by run.sh. */
export function siteDir(variable) {
  const dir = process.env[variable];
  if (!dir) throw new Error(`${variable} is not set: run the suite with \`bash tests/browser/run.sh\``);
  if (!fs.existsSync(path.join(dir, 'index.html'))) throw new Error(`${variable}=${dir} holds no built site (index.html missing)`);
  return path.resolve(dir);
}

// Real pages of the shipped courses (relative to the site root).
export const PAGES = {
  catalog: 'index.html',
  course: 'email-authentication/index.html',
  graded: 'email-authentication/spoofing-and-lookalikes.html', // graded quiz
  practice: 'email-authentication/how-email-travels.html', // practice quiz: single, multiple, true-false
};

export const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
}

/**
 * The only console errors a healthy page may log on a static host: Chromium reports every
 * 404 response as "Failed to load resource", and on a static host `/api/me` and
 * `/api/progress` answer 404 by design (CONTRACT §3: there is no server yet).
 */
function expectedConsoleError(msg) {
  const { url } = msg.location() || {};
  return /^Failed to load resource: the server responded with a status of 404/.test(msg.text())
    && typeof url === 'string' && /\/api\/(me|progress)$/.test(new URL(url).pathname);
}

/**
 * A new isolated context + page that records problems: uncaught errors, console errors and
 * warnings-about-CSP, and `securitypolicyviolation` events (reported from an init script
 * through a binding, so they survive navigations).
 * @returns {Promise<{context, page, problems: string[], dialogs: string[]}>}
 */
export async function openPage(browser, contextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  const problems = [];
  const dialogs = [];
  if (contextOptions.javaScriptEnabled !== false) {
    await context.exposeBinding('__waypostReportCsp', ({ page }, v) => {
      problems.push(`CSP violation on ${page.url()}: ${v.directive} blocked ${v.blocked || '(inline)'} at ${v.source}:${v.line}`);
    });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__waypostReportCsp({ directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber });
      });
    });
  }
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`uncaught error on ${page.url()}: ${e.message}`));
  page.on('console', (msg) => {
    const text = msg.text();
    if (msg.type() === 'error' && !expectedConsoleError(msg)) problems.push(`console error on ${page.url()}: ${text} (${JSON.stringify(msg.location())})`);
    else if (/Content Security Policy|Refused to (load|execute|apply|frame|connect)/i.test(text)) problems.push(`console on ${page.url()}: ${text}`);
  });
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  return { context, page, problems, dialogs };
}

/** Wait until the page has loaded and its modules have run (they are deferred). */
export async function settle(page) {
  await page.waitForLoadState('load');
  await page.waitForLoadState('networkidle').catch(() => {});
}

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** axe-core on the page as it is now; returns readable violation lines (empty = none). */
export async function axeViolations(page) {
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  return result.violations.map((v) => {
    const targets = v.nodes.slice(0, 8).map((n) => `      ${n.target.join(' ')}${n.failureSummary ? `\n        ${n.failureSummary.replace(/\n/g, '\n        ')}` : ''}`);
    return `  ${v.id} (${v.impact}): ${v.help} — ${v.nodes.length} node(s)\n${targets.join('\n')}`;
  });
}

/** The quiz sections on the page: [{sel, id, mode}] */
export async function quizzesOn(page) {
  return page.$$eval('section.quiz', (ss) => ss.map((s) => ({ sel: `#${s.id}`, id: s.dataset.quiz, mode: s.dataset.mode })));
}

/** Questions of a quiz with their practice keys parsed from data-key. */
export async function questionsOf(page, quizSel) {
  const qs = await page.$$eval(`${quizSel} fieldset.question`, (fss) => fss.map((f) => ({ id: f.id, question: f.dataset.question, type: f.dataset.type, key: f.getAttribute('data-key') })));
  return qs.map((q) => ({ ...q, key: q.key == null ? undefined : JSON.parse(q.key) }));
}

/**
 * Answer every question of a practice quiz from its own data-key: rightly, or wrongly.
 * Works for every question type of CONTRACT §3.
 */
export async function answerQuiz(page, quizSel, right) {
  const qs = await questionsOf(page, quizSel);
  for (const q of qs) {
    if (q.key === undefined) throw new Error(`question ${q.id} has no data-key: not a practice question`);
    const fs = `#${q.id}`;
    const key = q.key;
    if (q.type === 'single' || q.type === 'true-false') {
      const values = await page.$$eval(`${fs} input[type=radio]`, (is) => is.map((i) => i.value));
      const want = right ? String(key) : values.find((v) => v !== String(key));
      await page.check(`${fs} input[value="${want}"]`);
    } else if (q.type === 'multiple') {
      const values = await page.$$eval(`${fs} input[type=checkbox]`, (is) => is.map((i) => i.value));
      const correct = key.map(String);
      for (const v of values) {
        const on = right ? correct.includes(v) : !correct.includes(v);
        if (on) await page.check(`${fs} input[value="${v}"]`);
        else await page.uncheck(`${fs} input[value="${v}"]`);
      }
    } else if (q.type === 'text') {
      await page.fill(`${fs} input[type=text]`, right ? `  ${String(key[0]).toUpperCase()} ` : 'certainly not this');
    } else if (q.type === 'number') {
      const n = typeof key === 'object' ? Number(key.answer) : Number(key);
      const tol = (typeof key === 'object' && Number(key.tolerance)) || 0;
      await page.fill(`${fs} input[type=text]`, String(right ? n : n + tol * 10 + 7));
    } else if (q.type === 'order') {
      // key[i] = displayed value of the item that belongs at position i
      const order = right ? key : [...key].reverse();
      for (let i = 0; i < order.length; i += 1) {
        await page.selectOption(`${fs} .order-item[data-value="${order[i]}"] select`, String(i + 1));
      }
    } else if (q.type === 'match') {
      const lefts = Object.keys(key);
      for (let i = 0; i < lefts.length; i += 1) {
        const v = right ? key[lefts[i]] : key[lefts[(i + 1) % lefts.length]];
        await page.selectOption(`${fs} select[data-left="${lefts[i]}"]`, String(v));
      }
    } else {
      throw new Error(`unknown question type ${q.type}`);
    }
  }
  return qs;
}

/** Per-question result texts of a quiz, in page order. */
export function resultTexts(page, quizSel) {
  return page.$$eval(`${quizSel} fieldset.question`, (fss) => fss.map((f) => {
    const r = f.querySelector('[data-result]');
    return r && !r.hidden ? r.textContent.trim() : '';
  }));
}

/** Wait for a quiz's status region to say something matching `re`, and return its text. */
export async function waitForStatus(page, quizSel, re) {
  await page.waitForFunction(([sel, src]) => {
    const s = document.querySelector(`${sel} [data-quiz-status]`);
    return s && new RegExp(src).test(s.textContent);
  }, [quizSel, re.source], { timeout: 10_000 });
  return (await page.textContent(`${quizSel} [data-quiz-status]`)).trim();
}

/** Answer a practice quiz wrongly, submit, reset, then answer it rightly and submit. */
export async function failThenPass(page, quizSel) {
  await answerQuiz(page, quizSel, false);
  await page.click(`${quizSel} [data-quiz-submit]`);
  await waitForStatus(page, quizSel, /scored/);
  await page.click(`${quizSel} [data-quiz-reset]`);
  await answerQuiz(page, quizSel, true);
  await page.click(`${quizSel} [data-quiz-submit]`);
  await waitForStatus(page, quizSel, /Passed/);
}

/**
 * Serves the built site named by the environment variable `variable` and starts Chromium for
 * the surrounding `describe` (its before/after hooks). The returned object's `server`,
 * `browser` and `root` are set once `before` has run; `open()` gives a fresh recording page
 * (see openPage) and `track()` registers any other context, all closed in `after`.
 */
export function useSite(variable, serverOptions = {}) {
  const contexts = [];
  const site = {
    root: null,
    server: null,
    browser: null,
    track(context) {
      contexts.push(context);
      return context;
    },
    async open(options) {
      const opened = await openPage(site.browser, options);
      contexts.push(opened.context);
      return opened;
    },
  };
  before(async () => {
    site.root = siteDir(variable);
    site.server = await startServer({ root: site.root, ...serverOptions });
    site.browser = await launchBrowser();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await site.browser?.close();
    await site.server?.close();
  });
  return site;
}

export const fmtList = (lines) => (lines.length ? `\n${lines.join('\n')}` : '');

/**
 * Starts the real `waypost serve` (WAYPOST_BIN) on `dir/courses` with the data dir `dir/data` on a
 * free loopback port; `url` resolves to the address it prints.
 * @param {string} dir
 * @returns {{child: import('node:child_process').ChildProcess, url: Promise<string>}}
 */
export function startWaypost(dir) {
  const bin = process.env.WAYPOST_BIN;
  if (!bin) throw new Error('WAYPOST_BIN is not set: run the suite with `bash tests/browser/run.sh`');
  const env = { ...process.env, NO_COLOR: '1' };
  for (const k of ['WAYPOST_SIGNING_KEY_FILE', 'WAYPOST_DATABASE_URL', 'WAYPOST_BASE_URL']) delete env[k];
  const child = spawn(bin, ['serve', path.join(dir, 'courses'), '--data-dir', path.join(dir, 'data'), '--listen', '127.0.0.1:0'], { env });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const url = new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const m = /^Waypost is serving .* at (\S+)/.exec(line);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`waypost serve exited (${code}):\n${log}`)));
  });
  return { child, url };
}
