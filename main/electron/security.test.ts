// The Electron security checklist, tested without Electron: the settings main.ts applies are pure data here, and
// main.ts, the preload and the page are checked to use them (source and built page, no Electron binary needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  denyWindowOpen,
  isNavigationAllowed,
  refusePermission,
  refusePermissionCheck,
  studioWebPreferences,
} from './security.js';
import { API_METHODS } from '../../shared/api-methods.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const source = (p: string) => readFileSync(join(root, p), 'utf8');

test('webPreferences: context isolation, sandbox, no Node integration anywhere, web security, no webview', () => {
  const prefs = studioWebPreferences('/app/preload.cjs');
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.nodeIntegrationInWorker, false);
  assert.equal(prefs.nodeIntegrationInSubFrames, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.allowRunningInsecureContent, false);
  assert.equal(prefs.experimentalFeatures, false);
  assert.equal(prefs.webviewTag, false);
  assert.equal(prefs.preload, '/app/preload.cjs');
  assert.ok(!('enableRemoteModule' in prefs));
});

test('no new windows, no navigation away, every permission refused', () => {
  assert.deepEqual(denyWindowOpen(), { action: 'deny' });
  const page = 'app://studio/index.html';
  assert.equal(isNavigationAllowed(page, page), true, 'a reload of the same page');
  assert.equal(isNavigationAllowed(`${page}#runs`, `${page}#runs`), true, 'a reload keeps its fragment');
  for (const url of [
    'https://example.com/',
    'http://127.0.0.1:5178/',
    'file:///etc/passwd',
    `${page}.evil.html`,
    'app://studio/other.html',
    'app://evil/index.html',
    'javascript:alert(1)',
    'data:text/html,<script>1</script>',
  ]) {
    assert.equal(isNavigationAllowed(url, page), false, url);
  }
  // A window that shows anything but the studio page on app:// (the old file:// page, a remote page) may not reload it.
  for (const other of ['file:///app/dist/renderer/index.html', 'https://example.com/', 'app://evil/index.html']) {
    assert.equal(isNavigationAllowed(other, other), false, `reload of ${other}`);
  }
  for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
    let granted: boolean | null = null;
    refusePermission(null, permission, (g) => (granted = g));
    assert.equal(granted, false, permission);
  }
  assert.equal(refusePermissionCheck(), false);
});

test('main.ts applies exactly these settings and checks every IPC call', () => {
  const main = source('main/electron/main.ts');
  assert.match(main, /webPreferences: studioWebPreferences\(/);
  assert.doesNotMatch(main, /webPreferences: \{/, 'no inline webPreferences beside the tested ones');
  assert.match(main, /setWindowOpenHandler\(denyWindowOpen\)/);
  assert.match(main, /'will-navigate'[^\n]*\n[^\n]*isNavigationAllowed/);
  assert.match(main, /'will-redirect'/);
  assert.match(main, /'will-attach-webview', \(e\) => e\.preventDefault\(\)/);
  assert.match(main, /setPermissionRequestHandler\(refusePermission\)/);
  assert.match(main, /setPermissionCheckHandler\(refusePermissionCheck\)/);
  // One handler per API method; each checks the sender first, then goes through service.call (schema validation).
  assert.match(main, /for \(const method of API_METHODS\) \{\s*ipcMain\.handle\(ipcChannel\(method\)/);
  assert.match(main, /checkSender\(event\);\s*return \{ ok: true, result: await service\.call\(method, params\) \};/);
  assert.doesNotMatch(main, /loadURL\(\s*['"`]https?:/, 'no remote content is loaded');
});

test('main.ts serves the page from the privileged app:// scheme, never from file://', () => {
  const main = source('main/electron/main.ts');
  // Registered at module load (column 0, outside any function): Chromium only accepts it before 'ready'.
  assert.match(
    main,
    /^protocol\.registerSchemesAsPrivileged\(\[\{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES \}\]\);$/m,
  );
  assert.ok(
    main.indexOf('protocol.registerSchemesAsPrivileged(') < main.indexOf('async function main('),
    'registered before main() runs',
  );
  assert.match(
    main,
    /await app\.whenReady\(\);\s*protocol\.handle\(APP_SCHEME, \(request\) => serveAppRequest\(request, rendererDir\)\);/,
    'handled before any window exists',
  );
  assert.match(main, /const rendererDir = join\(appRoot, 'dist', 'renderer'\);/);
  assert.match(main, /win\.loadURL\(STUDIO_PAGE_URL\)/);
  assert.doesNotMatch(
    main,
    /loadFile\(|pathToFileURL|['"`]file:/,
    'nothing is loaded from or compared with a file:// URL',
  );
  assert.match(
    main,
    /if \(!isTrustedSender\(fromWindow, url\)\)/,
    'the sender check takes no page URL: it knows only app://studio',
  );
});

test('the preload exposes one function per API method and onEvent, never ipcRenderer itself', () => {
  const preload = source('main/electron/preload.ts');
  assert.equal(preload.match(/exposeInMainWorld\(/g)?.length, 1);
  assert.match(preload, /exposeInMainWorld\('studio', \{\s*\.\.\.calls,\s*onEvent\(/);
  assert.doesNotMatch(preload, /exposeInMainWorld\([^)]*ipcRenderer[,\s}]/);
  assert.match(preload, /for \(const method of API_METHODS\)/);
  assert.ok(API_METHODS.length >= 10);
});

test('the page has a CSP without remote or inline scripts (in Electron the app:// response adds a stricter one)', () => {
  const html = source('renderer/index.html');
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
  assert.ok(csp, 'renderer/index.html has a CSP meta tag');
  const directives = new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([k, ...v]) => [k!, v]),
  );
  assert.deepEqual(directives.get('default-src'), ["'self'"]);
  assert.deepEqual(directives.get('script-src'), ["'self'"], 'no inline, eval or remote scripts');
  assert.deepEqual(directives.get('object-src'), ["'none'"]);
  assert.deepEqual(directives.get('base-uri'), ["'none'"]);
  for (const src of directives.get('connect-src') ?? [])
    assert.match(src, /^('self'|ws:\/\/(127\.0\.0\.1|localhost):\*)$/, `connect-src ${src}`);
  assert.doesNotMatch(html, /<script(?![^>]*src="\.\/)/, 'only local script files');
  assert.doesNotMatch(html, /https?:\/\//, 'no remote URL in the page');
});
