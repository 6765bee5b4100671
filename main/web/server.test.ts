// The browser host's gatekeeping and wire format, against a real server on loopback.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { allowedHostHeaders, isLoopbackHost, startWebServer } from './server.js';
import { startChildHost } from '../robustness/child-host.js';
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

function call(
  ws: WebSocket,
  id: number,
  method: string,
  params: unknown,
): Promise<{ id: number; result?: unknown; error?: { message: string } }> {
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
  assert.equal(ok.headers.get('x-content-type-options'), 'nosniff');
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

/** A raw HTTP request on a fresh TCP connection; resolves with the status line's code (0 when the server hung up). */
function rawRequest(lines: string[]): Promise<number> {
  return new Promise((resolve) => {
    const socket = connectTcp(server.port, '127.0.0.1', () => socket.write(`${lines.join('\r\n')}\r\n\r\n`));
    let data = '';
    const status = () => Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0);
    socket.on('data', (d) => {
      data += d.toString();
      // An accepted upgrade keeps the connection open: the status line is all we need.
      if (status()) socket.destroy();
    });
    socket.on('close', () => resolve(status()));
    socket.on('error', () => {});
  });
}

const upgradeHeaders = (host: string, path = '/api') => [
  `GET ${path} HTTP/1.1`,
  `Host: ${host}`,
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Version: 13',
];

/** The host still answers a new, well-behaved client. */
/** An authenticated client; `closed` settles when the host closes it. */
async function openClient(port: number, token: string): Promise<{ ws: WebSocket; closed: Promise<void> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`, { origin: `http://127.0.0.1:${port}` });
  ws.on('error', () => {});
  await new Promise((resolve) => ws.on('open', resolve));
  return { ws, closed: new Promise<void>((resolve) => ws.on('close', () => resolve())) };
}

async function stillServes(port = server.port, token = server.token): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`, { origin: `http://127.0.0.1:${port}` });
  ws.on('error', () => {});
  await new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('close', () => reject(new Error('a new client could not connect')));
  });
  const samples = await call(ws, 1, 'listSamples', {});
  assert.equal((samples.result as unknown[]).length, 2);
  ws.close();
}

/**
 * The host as `npm run web` runs it, in a process of its own (child-host.ts): a crash there is the host dying (in this
 * process the test runner would catch it).
 */
const childHost = (...args: string[]) =>
  startChildHost(['--user-data', mkdtempSync(join(tmpdir(), 'rnn-web-child-')), ...args]);

// DNS rebinding: a page served as evil.example whose name now resolves to 127.0.0.1 reaches us with Host
// evil.example, and its Origin matches that Host. Only the Host check (as in Jupyter Server) tells.
test('answers only to its own Host names (DNS rebinding), for pages and for the API', async () => {
  const port = server.port;
  assert.equal(await rawRequest([`GET / HTTP/1.1`, `Host: evil.example:${port}`, 'Connection: close']), 403);
  assert.equal(await rawRequest([`GET / HTTP/1.1`, `Host: localhost:${port}`, 'Connection: close']), 200);
  assert.equal(
    await rawRequest([
      ...upgradeHeaders(`evil.example:${port}`, `/api?token=${server.token}`),
      `Origin: http://evil.example:${port}`,
    ]),
    403,
  );
  assert.equal(
    await rawRequest([
      ...upgradeHeaders(`127.0.0.1:${port}`, `/api?token=${server.token}`),
      `Origin: http://127.0.0.1:${port}`,
    ]),
    101,
  );
  assert.deepEqual([...allowedHostHeaders('127.0.0.1', 80)!], ['127.0.0.1:80', 'localhost:80', '[::1]:80']);
  assert.equal(allowedHostHeaders('0.0.0.0', 80), null);
  assert.ok(allowedHostHeaders('10.1.2.3', 80, ['box.lan'])!.has('box.lan:80'));
});

// Each of these killed the host before every socket handled 'error' (a reset while the 401 was written; ws's protocol
// errors on an authenticated connection).
test('a reset during the refused handshake never takes the host down', async () => {
  const host = await childHost();
  try {
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const socket = connectTcp(host.port, '127.0.0.1', () => {
          socket.write(`${upgradeHeaders(`127.0.0.1:${host.port}`).join('\r\n')}\r\n\r\n`);
          socket.resetAndDestroy();
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve());
      });
    }
    await stillServes(host.port, host.token);
    assert.equal(host.child.exitCode, null, 'the host process exited');
  } finally {
    await host.stop();
  }
});

for (const [what, frame] of [
  [
    'a frame claiming 2^40 bytes (over the payload limit)',
    Buffer.from([0x82, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4]),
  ],
  ['an unmasked client frame', Buffer.from([0x81, 0x02, 0x68, 0x69])],
  ['a reserved opcode', Buffer.from([0x83, 0x80, 1, 2, 3, 4])],
  ['invalid UTF-8 in a text frame', Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0xc3, 0x28])],
  ['a close frame with an invalid code', Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe7])],
] as const) {
  test(`a protocol error from an authenticated client closes that connection only: ${what}`, async () => {
    const host = await childHost();
    try {
      const { ws, closed } = await openClient(host.port, host.token);
      (ws as unknown as { _socket: Socket })._socket.write(frame);
      await closed;
      await stillServes(host.port, host.token);
      assert.equal(host.child.exitCode, null, 'the host process exited');
    } finally {
      await host.stop();
    }
  });
}

test('a client that stops reading is dropped, not buffered without bound', { timeout: 30_000 }, async () => {
  const small = await startWebServer({
    port: 0,
    userDataDir: mkdtempSync(join(tmpdir(), 'rnn-web-')),
    maxBufferedBytes: 64 * 1024,
  });
  try {
    const { ws, closed } = await openClient(small.port, small.token);
    // The client's side stops reading; its requests keep coming.
    (ws as unknown as { _socket: Socket })._socket.pause();
    for (let i = 0; i < 4000; i++) ws.send(JSON.stringify({ id: i, method: 'listSamples', params: {} }));
    (ws as unknown as { _socket: Socket })._socket.resume();
    await closed;
  } finally {
    await small.close();
  }
});

// Seen: a client that sent 4,000 requests and never read a reply grew the host by 545 MB. Here the client never reads
// again, and the host runs with its default limit (64 MiB waiting for one client) in a process of its own.
test('a client that never reads again is dropped within 30 s, the host grows by less than 192 MiB and serves the next client', async (t) => {
  if (process.platform !== 'linux') return t.skip('RSS is read from /proc');
  const host = await childHost();
  let sampler: NodeJS.Timeout | undefined;
  try {
    const { ws, closed } = await openClient(host.port, host.token);
    const startRss = host.rssMb()!;
    let peakRss = startRss;
    sampler = setInterval(() => {
      peakRss = Math.max(peakRss, host.rssMb() ?? 0);
    }, 20);
    (ws as unknown as { _socket: Socket })._socket.pause();
    // Each request is answered with an error that names the unknown method: 4,000 replies of 32 KiB, 125 MiB in all,
    // twice what the host lets wait for one client.
    const method = `x${'y'.repeat(32 * 1024)}`;
    for (let i = 0; i < 4000; i++) ws.send(JSON.stringify({ id: i, method, params: {} }));
    // A paused socket reads nothing, not even the host hanging up: a write is what meets the reset.
    const started = Date.now();
    let dropped = false;
    void closed.then(() => (dropped = true));
    while (!dropped && Date.now() - started < 30_000) {
      ws.send(JSON.stringify({ id: -1, method: 'getEngineInfo', params: {} }));
      await new Promise((r) => setTimeout(r, 100));
    }
    clearInterval(sampler);
    assert.ok(
      dropped,
      `the host kept a client that read nothing for 30 s (RSS ${startRss.toFixed(0)} → ${peakRss.toFixed(0)} MiB)`,
    );
    assert.ok(
      peakRss - startRss < 192,
      `the host grew from ${startRss.toFixed(0)} to ${peakRss.toFixed(0)} MiB for a client that read nothing (bound: 192 MiB of growth)`,
    );
    await stillServes(host.port, host.token);
    assert.equal(host.exited(), null, 'the host process exited');
    console.log(
      `# a client that never reads: dropped after ${Date.now() - started} ms, host RSS ${startRss.toFixed(0)} → peak ${peakRss.toFixed(0)} MiB`,
    );
  } finally {
    clearInterval(sampler);
    await host.stop();
  }
});

test('warns when it listens beyond loopback, and only then', async () => {
  const stderrAfterStart = async (args: string[]) => {
    const host = await childHost(...args);
    try {
      // The warning is written before the URL, but stderr and stdout are separate pipes.
      for (let i = 0; i < 20 && !host.stderr().includes('Warning'); i++) await new Promise((r) => setTimeout(r, 50));
      return host.stderr();
    } finally {
      await host.stop();
    }
  };
  assert.match(await stderrAfterStart(['--host', '0.0.0.0']), /Warning: listening beyond loopback\./);
  assert.doesNotMatch(await stderrAfterStart([]), /Warning/);
});

test('loopback is 127.0.0.1, localhost and ::1, and nothing else (the warning and the Host allowlist follow it)', () => {
  for (const [host, loopback] of [
    ['127.0.0.1', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['::1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.5', false],
    ['studio.example', false],
  ] as const)
    assert.equal(isLoopbackHost(host), loopback, host);
});

test('a busy port is a message, not a stack trace', async () => {
  await assert.rejects(
    startWebServer({ port: server.port, userDataDir: mkdtempSync(join(tmpdir(), 'rnn-web-')) }),
    /Port \d+ on 127\.0\.0\.1 is already in use: stop the other server or choose another with --port\./,
  );
});
