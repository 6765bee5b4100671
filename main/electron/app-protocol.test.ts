// The app:// scheme that serves the studio page, in plain Node: which URLs name which file of the renderer folder,
// which are refused (traversal in every spelling, absolute paths, other hosts and schemes, unknown file types), and
// what a response carries (Content-Type, the CSP, nosniff) when served from a real folder on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APP_CSP,
  APP_ORIGIN,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  isStudioPageUrl,
  resolveAppUrl,
  serveAppRequest,
  STUDIO_PAGE_URL,
} from './app-protocol.js';

const dir = join(tmpdir(), 'rnn-app-protocol', 'renderer');

test('the page is app://studio/index.html on a standard, secure scheme with no CORS or CSP bypass', () => {
  assert.equal(APP_SCHEME, 'app');
  assert.equal(APP_ORIGIN, 'app://studio');
  assert.equal(STUDIO_PAGE_URL, 'app://studio/index.html');
  // Exactly these: bypassCSP, corsEnabled, allowServiceWorkers … would each widen what the page or others can do.
  assert.deepEqual(APP_SCHEME_PRIVILEGES, { standard: true, secure: true });
});

test('URLs inside the renderer folder resolve to that file, with its Content-Type', () => {
  const cases: [string, string, string][] = [
    ['app://studio/index.html', 'index.html', 'text/html; charset=utf-8'],
    ['app://studio/', 'index.html', 'text/html; charset=utf-8'],
    ['app://studio', 'index.html', 'text/html; charset=utf-8'],
    ['app://studio/index.html?project=1#runs', 'index.html', 'text/html; charset=utf-8'],
    ['app://studio/app.js', 'app.js', 'text/javascript; charset=utf-8'],
    ['app://studio/app.css', 'app.css', 'text/css; charset=utf-8'],
    ['app://studio/app.js.map', 'app.js.map', 'application/json'],
    ['app://studio/fonts/a%20b.woff2', join('fonts', 'a b.woff2'), 'font/woff2'],
    ['app://studio/APP.JS', 'APP.JS', 'text/javascript; charset=utf-8'],
  ];
  for (const [url, rel, type] of cases) {
    assert.deepEqual(resolveAppUrl(url, dir), { status: 200, file: join(dir, rel), contentType: type }, url);
  }
});

test('traversal, absolute paths, other hosts, other schemes and unknown file types are refused', () => {
  const cases: [string, 400 | 404][] = [
    // Dot segments, plain and percent-encoded, with either separator.
    ['app://studio/../index.html', 404],
    ['app://studio/../../etc/passwd', 404],
    ['app://studio/a/../../etc/passwd', 404],
    ['app://studio/./index.html', 404],
    ['app://studio/%2e%2e/%2e%2e/etc/passwd', 404],
    ['app://studio/%2E%2E/index.html', 404],
    ['app://studio/.%2e/index.html', 404],
    ['app://studio/..\\..\\etc\\passwd', 404],
    ['app://studio/..%2f..%2fetc%2fpasswd', 404],
    ['app://studio/..%5c..%5cwindows%5cwin.ini', 404],
    ['app://studio/%252e%252e/index.html', 404],
    // Absolute paths: a leading "//", an encoded "/", a drive letter, a NUL byte.
    ['app://studio//etc/passwd.html', 404],
    ['app://studio/%2Fetc%2Fpasswd.html', 404],
    ['app://studio/C:/Windows/win.ini.html', 404],
    ['app://studio/C%3A%5CWindows%5Cwin.ini.html', 404],
    ['app://studio/index.html%00.js', 404],
    // Only the studio host, no port, no credentials, only the app: scheme.
    ['app://evil/index.html', 404],
    ['app://studio.evil/index.html', 404],
    ['app://STUDIO/index.html', 404],
    ['app://studio:80/index.html', 404],
    ['app://user@studio/index.html', 404],
    ['app:/index.html', 404],
    ['app:index.html', 404],
    ['file:///etc/passwd', 404],
    ['https://studio/index.html', 404],
    // Folders and files the build never writes.
    ['app://studio/fonts/', 404],
    ['app://studio/secret.txt', 404],
    ['app://studio/.env', 404],
    ['app://studio/index', 404],
    // Not URLs, or not decodable.
    ['not a url', 400],
    ['app://studio/%E0%A4%A.html', 400],
  ];
  for (const [url, status] of cases) {
    const r = resolveAppUrl(url, dir);
    assert.equal(r.status, status, `${url} → ${JSON.stringify(r)}`);
    assert.match(
      (r as { reason: string }).reason,
      /^expected .+, received /,
      `${url}: the reason says what was expected and received`,
    );
  }
});

test('served from disk: the file with its type, the CSP and nosniff; outside files and errors never leak', async () => {
  const root = mkdtempSync(join(tmpdir(), 'rnn-app-'));
  const renderer = join(root, 'renderer');
  mkdirSync(join(renderer, 'sub'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>studio</title>');
  writeFileSync(join(renderer, 'app.js'), 'export {};');
  writeFileSync(join(renderer, 'notes.txt'), 'not served');
  writeFileSync(join(root, 'secret.js'), 'the file beside the renderer folder');
  try {
    const get = (url: string, method = 'GET') => serveAppRequest({ url, method }, renderer);
    const cases: [string, string, number, string, RegExp][] = [
      ['GET', 'app://studio/index.html', 200, 'text/html; charset=utf-8', /<title>studio<\/title>/],
      ['GET', 'app://studio/', 200, 'text/html; charset=utf-8', /<title>studio<\/title>/],
      ['GET', 'app://studio/app.js', 200, 'text/javascript; charset=utf-8', /^export \{\};$/],
      ['GET', 'app://studio/../secret.js', 404, 'text/plain; charset=utf-8', /^expected a path without/],
      ['GET', 'app://studio/%2e%2e/secret.js', 404, 'text/plain; charset=utf-8', /^expected a path without/],
      ['GET', 'app://studio/..%2fsecret.js', 404, 'text/plain; charset=utf-8', /^expected a file name/],
      ['GET', 'app://studio/notes.txt', 404, 'text/plain; charset=utf-8', /^expected one of \.html/],
      ['GET', 'app://studio/missing.js', 404, 'text/plain; charset=utf-8', /^expected a file, received ENOENT/],
      ['GET', 'app://studio/sub.js/x.js', 404, 'text/plain; charset=utf-8', /^expected a file, received ENOENT/],
      ['GET', 'app://other/index.html', 404, 'text/plain; charset=utf-8', /^expected the host "studio"/],
      ['POST', 'app://studio/index.html', 405, 'text/plain; charset=utf-8', /^expected GET, received POST$/],
    ];
    for (const [method, url, status, type, body] of cases) {
      const res = await get(url, method);
      const text = await res.text();
      assert.equal(res.status, status, `${method} ${url}: ${text}`);
      assert.equal(res.headers.get('content-type'), type, url);
      assert.equal(res.headers.get('content-security-policy'), APP_CSP, `${url} carries the CSP`);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', url);
      assert.match(text, body, url);
      assert.doesNotMatch(text, /beside the renderer folder/, `${url} never returns the outside file`);
    }
    // A folder named like a file (EISDIR) and a read that fails otherwise: a response, never a thrown error.
    mkdirSync(join(renderer, 'dir.js'));
    assert.equal((await get('app://studio/dir.js')).status, 404);
    const failing = await serveAppRequest({ url: 'app://studio/app.js', method: 'GET' }, renderer, () =>
      Promise.reject(Object.assign(new Error('denied'), { code: 'EACCES' })),
    );
    assert.equal(failing.status, 500);
    assert.equal(await failing.text(), 'expected to read "/app.js", received EACCES');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the CSP sent with the page: scripts only from the app, no inline script, connections nowhere else, no framing', () => {
  const directives = new Map(
    APP_CSP.split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([k, ...v]) => [k!, v]),
  );
  assert.deepEqual(directives.get('default-src'), ["'self'"]);
  assert.deepEqual(directives.get('script-src'), ["'self'"]);
  assert.deepEqual(directives.get('connect-src'), ["'self'"]);
  assert.deepEqual(directives.get('object-src'), ["'none'"]);
  assert.deepEqual(directives.get('base-uri'), ["'none'"]);
  assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
});

test('the studio page URL: exactly app://studio/index.html, query and fragment aside', () => {
  const cases: [string | undefined, boolean][] = [
    ['app://studio/index.html', true],
    ['app://studio/index.html?project=1', true],
    ['app://studio/index.html#runs', true],
    ['app://studio/', false],
    ['app://studio/other.html', false],
    ['app://studio/index.html/x', false],
    ['app://studio.evil/index.html', false],
    ['app://evil/index.html', false],
    ['file:///opt/RNN%20Studio/resources/app.asar/dist/renderer/index.html', false],
    ['https://studio/index.html', false],
    ['', false],
    [undefined, false],
  ];
  for (const [url, expected] of cases) assert.equal(isStudioPageUrl(url), expected, String(url));
});
