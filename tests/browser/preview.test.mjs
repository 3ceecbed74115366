// `waypost preview` in a real browser: a saved edit reloads the open page, broken course
// files show the diagnostics overlay (accessible, focus on it), and fixing them brings the
// page back — all under the preview server's strict CSP with no console errors.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

import { HERE, launchBrowser, openPage, settle, axeViolations, fmtList } from './helpers.mjs';

const FIXTURE = path.resolve(HERE, '../../generator/tests/fixtures/good/tiny');

function startPreview(courses) {
  const bin = process.env.WAYPOST_BIN;
  if (!bin) throw new Error('WAYPOST_BIN is not set: run the suite with `bash tests/browser/run.sh`');
  const child = spawn(bin, ['preview', courses, '--port', '0'], { env: { ...process.env, NO_COLOR: '1' } });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const url = new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const m = /^Preview at (\S+)/.exec(line);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`waypost preview exited (${code}):\n${log}`)));
  });
  return { child, url, log: () => log };
}

describe('waypost preview', { timeout: 120_000 }, () => {
  let dir;
  let preview;
  let browser;
  let base;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waypost-preview-'));
    fs.cpSync(FIXTURE, path.join(dir, 'courses/tiny'), { recursive: true });
    preview = startPreview(path.join(dir, 'courses'));
    base = await preview.url;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    preview?.child.kill();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reloads on save, shows broken files in an overlay and recovers', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      const lessonFile = path.join(dir, 'courses/tiny/lessons/01-first-steps.md');
      const courseFile = path.join(dir, 'courses/tiny/course.yaml');
      // The event stream is open before the page is edited.
      const listening = page.waitForResponse((r) => r.url().includes('/__waypost/events'));
      await page.goto(`${base}tiny/first-steps.html`);
      await settle(page);
      await page.locator('.preview-banner').waitFor();
      assert.equal((await listening).status(), 200);

      // 1. Save an edit: the open page reloads by itself and shows it.
      const lesson = fs.readFileSync(lessonFile, 'utf8');
      const reloaded = page.waitForEvent('load', { timeout: 15_000 });
      fs.writeFileSync(lessonFile, `${lesson}\n## Written a moment ago\n\nFresh words.\n`);
      await reloaded;
      await page.getByRole('heading', { name: 'Written a moment ago' }).waitFor({ timeout: 10_000 });

      // 2. Break course.yaml: a modal overlay lists the error with file:line and takes focus.
      const yaml = fs.readFileSync(courseFile, 'utf8');
      await settle(page);
      fs.writeFileSync(courseFile, yaml.replace('title: Tiny Test Course', 'title: [Tiny'));
      const overlay = page.locator('dialog.diagnostics');
      await overlay.waitFor({ state: 'visible', timeout: 15_000 });
      const text = await overlay.innerText();
      assert.match(text, /build failed/i);
      assert.match(text, /tiny\/course\.yaml:2:\d+/);
      assert.equal(await page.evaluate(() => document.activeElement?.closest('dialog')?.className), 'diagnostics');
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], `overlay accessibility:${fmtList(violations)}`);
      // The last good page is still underneath, not an error page.
      assert.ok(await page.getByRole('heading', { name: 'Written a moment ago' }).count());

      // 3. Fix it: the page reloads without the overlay.
      const recovered = page.waitForEvent('load', { timeout: 15_000 });
      fs.writeFileSync(courseFile, yaml);
      await recovered;
      await settle(page);
      assert.equal(await page.locator('dialog.diagnostics').count(), 0);
      assert.equal(preview.child.exitCode, null, `the preview exited:\n${preview.log()}`);
      assert.deepEqual(problems, [], `console or CSP problems:${fmtList(problems)}`);
    } finally {
      await context.close();
    }
  });
});
