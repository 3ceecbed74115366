// Page weight (QUALITY: a lesson page is ≤ 60 KB transferred — HTML + CSS + JS, compressed — on
// first visit). A cold browser context loads lesson pages through the server with brotli on and
// adds up what crossed the wire: encoded bodies plus response headers.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { PAGES, openPage, settle, useSite } from './helpers.mjs';

const LIMIT = 60_000; // bytes: "60 KB", read strictly (SI)
const COUNTED = new Set(['document', 'stylesheet', 'script']);
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

/** The lesson page with the largest brotli twin: the worst case for the budget. */
function heaviestLesson(root) {
  let best = null;
  for (const course of fs.readdirSync(root, { withFileTypes: true })) {
    if (!course.isDirectory() || ['assets', 'search'].includes(course.name)) continue;
    for (const f of fs.readdirSync(path.join(root, course.name))) {
      if (!f.endsWith('.html.br') || f === 'index.html.br') continue;
      const size = fs.statSync(path.join(root, course.name, f)).size;
      if (!best || size > best.size) best = { rel: `${course.name}/${f.slice(0, -3)}`, size };
    }
  }
  return best;
}

describe('page weight on first visit', { timeout: 120_000 }, () => {
  const site = useSite('WAYPOST_SITE', { brotli: true });

  async function weigh(rel) {
    const { context, page } = await openPage(site.browser); // new context: empty cache
    const rows = [];
    page.on('requestfinished', async (req) => {
      const resp = await req.response();
      const sizes = await req.sizes();
      const headers = await resp.allHeaders();
      rows.push({ url: req.url(), type: req.resourceType(), encoding: headers['content-encoding'] || 'identity', contentLength: Number(headers['content-length']), ...sizes });
    });
    const resp = await page.goto(site.server.url + rel);
    assert.equal(resp.status(), 200);
    await settle(page);
    await page.waitForTimeout(200);
    await context.close();
    const counted = rows.filter((r) => COUNTED.has(r.type));
    const by = (type) => counted.filter((r) => r.type === type).reduce((n, r) => n + r.responseBodySize + r.responseHeadersSize, 0);
    const total = counted.reduce((n, r) => n + r.responseBodySize + r.responseHeadersSize, 0);
    const bodies = counted.reduce((n, r) => n + r.responseBodySize, 0);
    return { rows, counted, total, bodies, html: by('document'), css: by('stylesheet'), js: by('script') };
  }

  const cases = () => {
    const heavy = heaviestLesson(site.root);
    return [
      { name: 'practice lesson', rel: PAGES.practice },
      { name: 'graded lesson', rel: PAGES.graded },
      { name: `heaviest lesson (${kb(heavy.size)} brotli HTML)`, rel: heavy.rel },
    ];
  };

  it('lesson pages stay within 60 KB of HTML + CSS + JS, brotli-compressed', async () => {
    const lines = [];
    for (const { name, rel } of cases()) {
      const w = await weigh(rel);
      assert.ok(w.counted.some((r) => r.type === 'document'), `the document was measured for ${rel}`);
      assert.ok(w.counted.some((r) => r.type === 'stylesheet') && w.counted.some((r) => r.type === 'script'), `CSS and JS were measured for ${rel}`);
      for (const r of w.counted) {
        assert.equal(r.encoding, 'br', `${r.url} was sent brotli-compressed`);
        assert.equal(r.responseBodySize, r.contentLength, `${r.url}: encoded body size matches Content-Length`);
      }
      const line = `page weight: ${kb(w.total)} — ${name} ${rel}: HTML ${kb(w.html)}, CSS ${kb(w.css)}, JS ${kb(w.js)} (${w.counted.length} responses, ${kb(w.bodies)} of bodies; limit ${kb(LIMIT)})`;
      console.log(line);
      lines.push({ rel, total: w.total, line });
    }
    for (const { rel, total, line } of lines) assert.ok(total <= LIMIT, `${rel} is over budget: ${line}`);
  });
});
