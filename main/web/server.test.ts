// The browser host's gatekeeping and wire format, against a real server on loopback.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startWebServer } from './server.js';
import type { WebServer } from './server.js';

let server: WebServer;
before(async () => {
  const staticDir = mkdtempSync(join(tmpdir(), 'rnn-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>RNN Studio</title>');
  server = await startWebServer({ port: 0, userDataDir: mkdtempSync(join(tmpdir(), 'rnn-web-')), staticDir });
});
after(async () => server.close());

function connect(query: string, origin?: string): Promise<{ ws: WebSocket } | { status: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api${query}`, origin ? { origin } : {});
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.on('error', () => {});
  });
}

function call(ws: WebSocket, id: number, method: string, params: unknown): Promise<{ id: number; result?: unknown; error?: { message: string } }> {
  return new Promise((resolve) => {
    const onMessage = (raw: Buffer) => {
      const msg = JSON.parse(raw.toString());
      if (msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, method, params }));
  });
}

test('binds to loopback and prints a URL with the token', () => {
  assert.match(server.url, new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[0-9a-f]{48}$`));
});

test('serves the renderer with a CSP and never outside its folder', async () => {
  const ok = await fetch(`http://127.0.0.1:${server.port}/`);
  assert.equal(ok.status, 200);
  assert.match(ok.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.equal(ok.headers.get('referrer-policy'), 'no-referrer');
  const escape = await fetch(`http://127.0.0.1:${server.port}/..%2f..%2fpackage.json`);
  assert.equal(escape.status, 404);
  // A malformed escape is answered, not fatal: the server still serves afterwards.
  const malformed = await fetch(`http://127.0.0.1:${server.port}/%E0`);
  assert.equal(malformed.status, 400);
  assert.equal((await fetch(`http://127.0.0.1:${server.port}/`)).status, 200);
});

test('refuses the API without the token, with a wrong token, and from another origin', async () => {
  assert.deepEqual(await connect(''), { status: 401 });
  assert.deepEqual(await connect('?token=wrong'), { status: 401 });
  assert.deepEqual(await connect(`?token=${server.token}`, 'http://evil.example'), { status: 403 });
});

test('carries calls and validation errors over the wire', async () => {
  const r = await connect(`?token=${server.token}`, `http://127.0.0.1:${server.port}`);
  assert.ok('ws' in r);
  const samples = await call(r.ws, 1, 'listSamples', {});
  assert.equal((samples.result as unknown[]).length, 2);
  const bad = await call(r.ws, 2, 'getRun', { runId: 'a/b' });
  assert.match(bad.error!.message, /getRun: invalid arguments/);
  const unknown = await call(r.ws, 3, 'readFile', { path: '/etc/passwd' });
  assert.match(unknown.error!.message, /Unknown API method "readFile"/);
  r.ws.close();
});
