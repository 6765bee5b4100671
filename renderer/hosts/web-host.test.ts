import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../shared/api.js';
import type { StudioEvent, WireRequest } from '../../shared/api.js';
import { apiUrlFromLocation, createWebHost } from './web-host.js';
import type { SocketLike } from './web-host.js';
import { errorMessage, toApiError } from '../api/errors.js';

/** Stands in for the browser's WebSocket: the test opens, answers and drops it by hand. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: WireRequest[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  send(data: string) {
    this.sent.push(JSON.parse(data) as WireRequest);
  }
  close() {
    this.drop();
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  reply(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop() {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({});
  }
}

function setup(queueTimeoutMs = 5000) {
  const sockets: FakeSocket[] = [];
  const urls: string[] = [];
  const host = createWebHost({
    url: 'ws://h/api?token=t',
    createSocket: (url) => {
      urls.push(url);
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    initialBackoffMs: 5,
    maxBackoffMs: 20,
    queueTimeoutMs,
    random: () => 0.5,
  });
  return { host, sockets, urls };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

test('the API URL carries the page token and follows the page scheme', () => {
  assert.deepEqual(apiUrlFromLocation({ protocol: 'http:', host: '127.0.0.1:5178', search: '?token=abc' }), {
    url: 'ws://127.0.0.1:5178/api?token=abc',
    token: 'abc',
  });
  assert.equal(apiUrlFromLocation({ protocol: 'https:', host: 'x', search: '' }).url, 'wss://x/api?token=');
});

test('calls made before the socket opens are queued, then resolved or rejected by id', async () => {
  const { host, sockets } = setup();
  const runs = host.api.listRuns({});
  const missing = host.api.getRun({ runId: 'nope' });
  assert.equal(host.connection.get().state, 'connecting');
  sockets[0]!.open();
  assert.equal(host.connection.get().state, 'open');
  const [first, second] = sockets[0]!.sent;
  assert.deepEqual({ method: first!.method, params: first!.params }, { method: 'listRuns', params: {} });
  sockets[0]!.reply({ id: second!.id, error: { message: 'No run nope.', code: 'not-found' } });
  sockets[0]!.reply({ id: first!.id, result: [] });
  assert.deepEqual(await runs, []);
  await assert.rejects(
    missing,
    (e: unknown) => e instanceof ApiError && e.code === 'not-found' && e.message === 'No run nope.',
  );
  host.close();
});

test('events reach every listener; a throwing listener does not stop the others; unsubscribe works', async () => {
  const { host, sockets } = setup();
  sockets[0]!.open();
  const got: StudioEvent[] = [];
  const quiet = console.error;
  console.error = () => {};
  try {
    host.api.onEvent(() => {
      throw new Error('broken view');
    });
    const off = host.api.onEvent((e) => got.push(e));
    sockets[0]!.reply({ event: { type: 'runs-changed' } });
    sockets[0]!.onmessage?.({ data: 'not json' });
    off();
    sockets[0]!.reply({ event: { type: 'runs-changed' } });
  } finally {
    console.error = quiet;
  }
  assert.deepEqual(got, [{ type: 'runs-changed' }]);
  host.close();
});

test('a dropped link fails the calls in flight, reconnects with backoff and announces runs-changed', async () => {
  const { host, sockets, urls } = setup();
  sockets[0]!.open();
  const events: StudioEvent[] = [];
  host.api.onEvent((e) => events.push(e));
  const pending = host.api.startRun({ spec: {} as never });
  sockets[0]!.drop();
  await assert.rejects(
    pending,
    (e: unknown) => e instanceof ApiError && e.code === 'unavailable' && /dropped while "startRun"/.test(e.message),
  );
  assert.equal(host.connection.get().state, 'reconnecting');
  assert.equal(host.connection.get().attempt, 1);
  const queued = host.api.listProjects({});
  await tick(15);
  assert.equal(sockets.length, 2, 'a new socket after the backoff');
  assert.equal(urls[1], 'ws://h/api?token=t');
  sockets[1]!.open();
  assert.equal(host.connection.get().reconnects, 1);
  assert.deepEqual(events, [{ type: 'runs-changed' }]);
  sockets[1]!.reply({ id: sockets[1]!.sent[0]!.id, result: [] });
  assert.deepEqual(await queued, []);
  host.close();
});

test('a call waiting for a link that never comes fails after the queue timeout', async () => {
  const { host } = setup(20);
  await assert.rejects(host.api.listSamples({}), /Not connected to the studio server/);
  host.close();
});

test("error messages lose Electron's IPC prefix", () => {
  assert.equal(errorMessage(new Error("Error invoking remote method 'getRun': ApiError: No run x.")), 'No run x.');
  assert.equal(errorMessage('plain'), 'plain');
  const e = toApiError(
    Object.assign(new Error("Error invoking remote method 'previewData': Error: bad.csv, row 3"), {
      code: 'invalid-argument',
    }),
  );
  assert.equal(e.message, 'bad.csv, row 3');
  assert.equal(e.code, 'invalid-argument');
});

test('a page opened without its token stops after the first refusal and says why, instead of retrying forever', async () => {
  const sockets: FakeSocket[] = [];
  const hint = 'This page was opened without its access token.';
  const host = createWebHost({
    url: 'ws://h/api?token=',
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    initialBackoffMs: 5,
    maxBackoffMs: 20,
    queueTimeoutMs: 5000,
    random: () => 0.5,
    missingTokenHint: hint,
  });
  const waiting = host.api.listSamples({});
  sockets[0]!.drop();
  await assert.rejects(waiting, (e: unknown) => e instanceof ApiError && e.message === hint);
  assert.equal(host.connection.get().state, 'refused');
  assert.equal(host.connection.get().detail, hint);
  await tick(60);
  assert.equal(sockets.length, 1, 'no further attempt');
  await assert.rejects(host.api.listSamples({}), /connection is closed/);
  host.close();
});
