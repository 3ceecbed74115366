// Certificates in a real browser against `waypost serve`: a learner who completed the course
// gets "Get your certificate" on the course page (certificate.js, under the strict CSP),
// confirms an Arabic name, and lands on the certificate page (QR code as an inline image,
// links to the PDF, credential and JWT); the certificate and verification pages pass axe.
// WAYPOST_SCREENSHOT_DIR=dir saves screenshots of both pages.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { HERE, launchBrowser, openPage, settle, axeViolations, fmtList, startWaypost } from './helpers.mjs';

const COURSE = path.resolve(HERE, '../verifiers/course');

describe('certificates', { timeout: 120_000 }, () => {
  let dir;
  let server;
  let browser;
  let base;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waypost-certs-'));
    fs.cpSync(COURSE, path.join(dir, 'courses/verifier-course'), { recursive: true });
    server = startWaypost(dir);
    base = await server.url;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    server?.child.kill();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('"Get your certificate" on the course page, then the certificate and verification pages', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      const api = context.request;
      const signUp = await api.post(`${base}api/users`, {
        data: { email: 'browser@example.org', display_name: 'Amira Haddad', password: 'browser passphrase 1' },
      });
      assert.equal(signUp.status(), 201, await signUp.text());
      const csrf = (await signUp.json()).csrf_token;
      const headers = { 'x-csrf-token': csrf };
      const done = await api.post(`${base}api/progress`, {
        headers, data: { course: 'verifier-course', lesson: 'only-lesson', event: 'completed' },
      });
      assert.equal(done.status(), 204);
      const lesson = await (await api.get(`${base}verifier-course/only-lesson.html`)).text();
      const version = /data-version="([^"]+)"/.exec(lesson)[1];
      const attempt = await api.post(`${base}api/courses/verifier-course/quizzes/check/attempts`, {
        headers, data: { attempt_id: 'browser-attempt-1', version, answers: { sky: true } },
      });
      assert.equal((await attempt.json()).course_completed, true);

      await page.goto(`${base}verifier-course/index.html`);
      await settle(page);
      const offer = page.locator('[data-certificate-offer]');
      await offer.locator('form').waitFor({ state: 'visible', timeout: 10_000 });
      const name = offer.getByLabel('Name to print on the certificate');
      assert.equal(await name.inputValue(), 'Amira Haddad', 'defaults to the display name');
      await name.fill('أميرة حداد');
      await offer.getByRole('button', { name: 'Get your certificate' }).click();
      const link = offer.getByRole('link', { name: 'Verifier Course — Practitioner' });
      await link.waitFor({ timeout: 10_000 });

      await link.click();
      await page.waitForURL(/\/certificates\/[A-Za-z0-9_-]{22}$/);
      await settle(page);
      assert.equal((await page.locator('.certificate-name').textContent()).trim(), 'أميرة حداد');
      assert.equal((await page.locator('.certificate-status').textContent()).trim(), 'Valid');
      const qrWidth = await page.locator('img.certificate-qr').evaluate((img) => img.naturalWidth);
      assert.ok(qrWidth > 0, 'the QR code image loads under the CSP');
      for (const text of ['Download PDF', 'Open Badges 3.0 credential (JSON)', 'VC-JWT (.jwt)']) {
        assert.equal(await page.getByRole('link', { name: text }).count(), 1, text);
      }
      const shots = process.env.WAYPOST_SCREENSHOT_DIR;
      if (shots) await page.screenshot({ path: path.join(shots, 'certificate-page.png'), fullPage: true });
      const certViolations = await axeViolations(page);
      assert.deepEqual(certViolations, [], `axe on the certificate page:\n${certViolations.join('\n')}`);

      await page.getByRole('link', { name: 'Verification page' }).click();
      await settle(page);
      assert.equal((await page.locator('#verify-heading').textContent()).trim(), 'Valid certificate');
      if (shots) await page.screenshot({ path: path.join(shots, 'verify-page.png'), fullPage: true });
      const verifyViolations = await axeViolations(page);
      assert.deepEqual(verifyViolations, [], `axe on the verification page:\n${verifyViolations.join('\n')}`);
      assert.deepEqual(problems, [], `console or CSP problems:${fmtList(problems)}`);
    } finally {
      await context.close();
    }
  });
});
