// A tiny static file server for the browser suite (Node built-ins only).
//
//   const server = await startServer({ root: '/tmp/site' });   // http://127.0.0.1:<ephemeral>/
//   ...
//   await server.close();
//
// - serves the built site folder; a directory answers with its index.html
// - /api/* answers 404 with a JSON error body: no Waypost server exists on a static host
// - serves the precompressed `.br` twin when the request accepts br (Content-Encoding: br,
//   the original file's Content-Type, Vary: Accept-Encoding)
// - sends a strict Content-Security-Policy (unless `csp: false`) and nosniff on every response;
//   with `csp: false` it also removes the pages' own CSP `<meta>`, so a test of the sanitiser
//   sees a page that nothing but the sanitiser protects
// - counts requests, so a test can check what a page fetched

import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';

export const STRICT_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.pdf': 'application/pdf',
  '.woff2': 'font/woff2',
};

const contentType = (file) => TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream';

async function isFile(file) {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

async function resolveFile(root, pathname) {
  let rel;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  const file = path.resolve(root, `.${path.posix.normalize(`/${rel}`)}`);
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  try {
    const st = await fs.stat(file);
    if (st.isDirectory()) {
      const index = path.join(file, 'index.html');
      return (await isFile(index)) ? index : null;
    }
    return st.isFile() ? file : null;
  } catch {
    return null;
  }
}

function acceptsBrotli(req) {
  const header = String(req.headers['accept-encoding'] || '');
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().split(';').map((s) => s.trim());
    if (coding.toLowerCase() !== 'br') return false;
    const q = params.find((p) => p.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  });
}

/**
 * Start serving `root` on 127.0.0.1 with an ephemeral port.
 * @param {{root: string, csp?: boolean, brotli?: boolean}} options
 * @returns {Promise<{url: string, close: () => Promise<void>, requests: Array<{method: string, path: string, status: number, encoding: string|null}>}>}
 */
export async function startServer({ root, csp = true, brotli = true }) {
  const base = path.resolve(root);
  const requests = [];
  const headersFor = (extra) => {
    const h = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache', ...extra };
    if (csp) h['Content-Security-Policy'] = STRICT_CSP;
    return h;
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const log = { method: req.method, path: url.pathname, status: 0, encoding: null };
    requests.push(log);
    const send = (status, headers, body) => {
      log.status = status;
      res.writeHead(status, headersFor({ 'Content-Length': Buffer.byteLength(body), ...headers }));
      res.end(req.method === 'HEAD' ? undefined : body);
    };

    try {
      if (url.pathname.startsWith('/api/') || url.pathname === '/api') {
        send(404, { 'Content-Type': 'application/json' }, JSON.stringify({ error: { code: 'not_found', message: 'No Waypost server on this static host.' } }));
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD' }, 'method not allowed');
        return;
      }
      const file = await resolveFile(base, url.pathname);
      if (!file) {
        const notFound = path.join(base, '404.html');
        const body = (await isFile(notFound)) ? await fs.readFile(notFound) : 'not found';
        send(404, { 'Content-Type': (await isFile(notFound)) ? TYPES['.html'] : TYPES['.txt'] }, body);
        return;
      }
      const headers = { 'Content-Type': contentType(file), Vary: 'Accept-Encoding' };
      let body;
      if (!csp && file.endsWith('.html')) {
        body = (await fs.readFile(file, 'utf8')).replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\s*/i, '');
      } else if (brotli && acceptsBrotli(req) && (await isFile(`${file}.br`))) {
        body = await fs.readFile(`${file}.br`);
        headers['Content-Encoding'] = 'br';
        log.encoding = 'br';
      } else {
        body = await fs.readFile(file);
      }
      send(200, headers, body);
    } catch (err) {
      if (!res.headersSent) send(500, { 'Content-Type': TYPES['.txt'] }, `server error: ${err.message}`);
      else res.destroy();
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
