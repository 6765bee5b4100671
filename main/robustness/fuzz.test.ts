/**
 * A bounded, seeded fuzzer of the browser host (issue #13), run against the host in a process of its own, as
 * `npm run web` starts it but from source (child-host.ts; a crash is that process exiting, which the runner here
 * survives and reports):
 *
 *  - pre-auth: random bytes instead of HTTP, broken requests, upgrades with missing or wrong tokens, Host or Origin,
 *    resets in the middle — a connection without the token is never upgraded;
 *  - frames: hand-built WebSocket frames after a valid authenticated handshake — reserved opcodes, RSV bits, unmasked
 *    frames, continuation without a start, interleaved and oversized control frames, 7/16/64-bit lengths that lie or
 *    exceed the host's limit, invalid UTF-8, bad close frames, truncated frames and resets — a violation closes that
 *    connection, a valid sequence is answered (each request once, each ping with a pong);
 *  - api: requests built from every method's schema (shared/api.ts, so new methods are covered) and then mutated,
 *    unknown methods, odd ids, non-object params, non-JSON — each message gets exactly one reply with its id, errors
 *    are {message, code}, carry no stack and no content of a file outside the data roots; nothing starts training.
 *
 * After every batch (and at the end) the host process is alive, a fresh client gets `getEngineInfo` within 2 s, its
 * RSS settles under FUZZ_MAX_RSS_MB (default 1536) and never peaked over FUZZ_MAX_PEAK_RSS_MB (default 2048, sampled
 * every 50 ms), and no callback waited FUZZ_MAX_LOOP_DELAY_MS (default 100) on its event loop. Among the paths the
 * API cases use are a FIFO and a link to /dev/zero inside the data root. Environment: FUZZ_SEED (default 13),
 * FUZZ_CASES (cases per layer, a quarter of it pre-auth; default 120/600/400), FUZZ_ONLY=frames:57 or
 * api:100-149,preauth:3 (replay those cases only), FUZZ_VERBOSE=1 (a line per batch; with FUZZ_ONLY, every case's
 * bytes).
 * Every failure names its seed, layer and case index, with the bytes or message sent. A raw case depends on nothing
 * else, so FUZZ_ONLY replays it exactly; an API case may use an id the host handed out in an earlier batch (an upload,
 * a project), which a replay of that case alone lacks — its message, printed in full, replays it by hand. (Paths in
 * messages name this run's temporary folder; server.ts takes no --token, so the token is the one it prints.)
 */
import { test, before, after } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { API_METHODS, API_SCHEMAS, MAX_WIRE_MESSAGE_BYTES } from '../../shared/api.js';
import { analyzeModel } from '../../shared/shape-inference.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import {
  FrameReader,
  OP,
  Rng,
  acceptableReplyIds,
  apiCase,
  frameCase,
  preAuthCase,
  upgradeRequest,
} from './fuzz-frames.js';
import type { ApiCase, ApiContext, JsonSchema, PreAuthCase, RawCase } from './fuzz-frames.js';
import { rssMbOf, startChildHost } from './child-host.js';
import type { ChildHost, LoopDelay } from './child-host.js';

// ---------------------------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------------------------

const SEED = envInt('FUZZ_SEED', 13);
const CASES = process.env.FUZZ_CASES ? envInt('FUZZ_CASES', 0) : null;
const COUNTS = { preauth: CASES === null ? 120 : Math.ceil(CASES / 4), frames: CASES ?? 600, api: CASES ?? 400 };
/**
 * The host idles at 0.3–0.7 GiB RSS (tsx, the studio's modules). After each batch its RSS must settle (within
 * SETTLE_MS) under MAX_RSS_MB: what stays is a leak or a buffer kept. While cases run it may peak higher, but never past
 * MAX_PEAK_RSS_MB: file jobs (previewData, importModel) run in bundled workers of ~40 MiB, at most two at once.
 */
const MAX_RSS_MB = envInt('FUZZ_MAX_RSS_MB', 1536);
const MAX_PEAK_RSS_MB = envInt('FUZZ_MAX_PEAK_RSS_MB', 2048);
const SETTLE_MS = 5000;
/**
 * The longest any ready callback may wait on the host's event loop (loop-probe.mjs inside the host, read after every
 * batch): a blocking read or open (a FIFO, /dev/zero) counts though it uses no CPU; the time the loop's thread waited
 * for a CPU, in a callback or in its wait for events, does not (LoopDelay in child-host.ts): on a loaded 2-core
 * machine that alone read up to 136 ms of wall clock in a batch. Measured: at most 35–43 ms a batch.
 */
const MAX_LOOP_DELAY_MS = envInt('FUZZ_MAX_LOOP_DELAY_MS', 100);
const ONLY = parseOnly(process.env.FUZZ_ONLY ?? '');
/** FUZZ_VERBOSE=1: a line per batch (time, RSS) and per "failed" reply; with FUZZ_ONLY, each case's bytes. */
const VERBOSE = process.env.FUZZ_VERBOSE === '1';
/** Cases between two health checks. */
const BATCH = 50;
/** Raw connections at once. */
const CONCURRENCY = 6;
/** The API clients the cases are spread over. */
const API_CLIENTS = 3;
/**
 * API messages in flight at once, and how long one may take before no more are sent until it is answered: a slow
 * reply (a file job in its worker) holds the rest back, so a case's reply is timed alone, not behind a queue.
 */
const API_WINDOW = 4;
const SLOW_MS = 50;
/** How long the host may take to close a connection after a violation, and to answer a valid request. */
const CLOSE_WAIT_MS = 4000;
const REPLY_WAIT_MS = 6000;
/** How long one API message may go unanswered (a file job's worker takes 1–3 s on a loaded machine). */
const API_REPLY_WAIT_MS = 15_000;
/** The fresh client's getEngineInfo after every batch. */
const HEALTH_WAIT_MS = 2000;
const ERROR_CODES = new Set(['invalid-argument', 'not-found', 'unavailable', 'failed']);

type Layer = 'preauth' | 'frames' | 'api';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer. Received: ${JSON.stringify(raw)}.`);
  return n;
}

/** FUZZ_ONLY: "frames:57", "api:100-149", several separated by commas. Empty: every case. */
function parseOnly(spec: string): Map<Layer, [number, number][]> | null {
  if (spec.trim() === '') return null;
  const only = new Map<Layer, [number, number][]>();
  for (const part of spec.split(',')) {
    const m = /^(preauth|frames|api):(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m)
      throw new Error(
        `FUZZ_ONLY takes layer:index or layer:from-to (layers: preauth, frames, api), comma separated. Received: ${JSON.stringify(part)}.`,
      );
    const layer = m[1] as Layer;
    only.set(layer, [...(only.get(layer) ?? []), [Number(m[2]), Number(m[3] ?? m[2])]]);
  }
  return only;
}

/** The case indices of a layer this run covers. */
function indices(layer: Layer): number[] {
  if (ONLY === null) return Array.from({ length: COUNTS[layer] }, (_, i) => i);
  const out: number[] = [];
  for (const [from, to] of ONLY.get(layer) ?? []) for (let i = from; i <= to; i++) out.push(i);
  return out;
}

const replay = (layer: Layer, from: number, to = from) =>
  `replay: FUZZ_SEED=${SEED} FUZZ_ONLY=${layer}:${from}${to !== from ? `-${to}` : ''} node scripts/run-tests.mjs main/robustness/fuzz`;
const caseTag = (layer: Layer, index: number) => `[seed ${SEED}, ${layer} case ${index}]`;

function hex(chunks: Buffer[], max = 160): string {
  const all = Buffer.concat(chunks);
  return `${all.subarray(0, max).toString('hex')}${all.length > max ? `… (${all.length} bytes)` : ` (${all.length} bytes)`}`;
}

function preview(data: string | Buffer, max = 300): string {
  const s =
    typeof data === 'string'
      ? JSON.stringify(data.length > max ? `${data.slice(0, max)}…` : data)
      : `binary ${hex([data], max / 2)}`;
  return typeof data === 'string' && data.length > max ? `${s} (${data.length} chars)` : s;
}

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------------
// The host under test
// ---------------------------------------------------------------------------------------------------------------

const tmp = mkdtempSync(join(tmpdir(), 'rnn-studio-fuzz-'));
const userData = join(tmp, 'user-data');
/** The only data root: empty but for a link to the canary, which the API must refuse to follow out. */
const dataRoot = join(tmp, 'data-root');
const outside = join(tmp, 'outside');
const CANARY = `FUZZ-CANARY-${SEED}-${process.pid}`;
const canaryFile = join(outside, 'secret.csv');

let host: ChildHost;
let startRssMb: number | null = null;
let peakRssMb: number | null = null;
/** The highest RSS a check after a batch saw (once settled). */
let settledRssMb: number | null = null;
/** The cases running when the peak was sampled. */
let peakAt = '';
/** What is running now, for the peak's report. */
let running = 'start';
const RSS_SAMPLE_MS = 50;
let sampler: NodeJS.Timeout | null = null;
/** The longest the host's event loop was blocked in a batch (LoopDelay's maxMs), and that batch. */
let worstLoop: LoopDelay | null = null;
let worstLoopAt = '';

const startHost = () =>
  startChildHost(['--user-data', userData, '--data-root', dataRoot], { RNN_STUDIO_HOST: '127.0.0.1' });
const rssMb = (pid: number | undefined) => rssMbOf(pid);

const origin = () => `http://127.0.0.1:${host.port}`;

function openClient(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, {
      origin: origin(),
      maxPayload: 256 * 2 ** 20,
    });
    ws.on('error', (e) => reject(e));
    ws.on('open', () => resolve(ws));
  });
}

/** The host process has not exited; else a failure naming the cases that ran and what they saw. */
function assertAlive(where: string, hint: string, seen: string[] = []): void {
  const exit = host.exited();
  if (exit === null) return;
  const first = seen.slice(0, 5).join('\n');
  assert.fail(
    `the host process died (${exit}) during ${where}; ${hint}\nhost stderr (tail): ${host.stderr().slice(-2000) || '(empty)'}${first ? `\nwhat the cases saw:\n${first}` : ''}`,
  );
}

/**
 * The host is alive, answers a fresh client within HEALTH_WAIT_MS, and its RSS is within bounds. `where` names the
 * cases that ran since the last check (for the message).
 */
async function assertHealthy(where: string, hint: string): Promise<void> {
  const context = () => `${where}; ${hint}\nhost stderr (tail): ${host.stderr().slice(-2000) || '(empty)'}`;
  assertAlive(where, hint);
  const loop = await host.loopDelay();
  if (worstLoop === null || loop.maxMs > worstLoop.maxMs) {
    worstLoop = loop;
    worstLoopAt = where;
  }
  if (VERBOSE) console.log(`# fuzz: ${where}: loop delay ${JSON.stringify(loop)}`);
  assert.ok(
    loop.maxMs < MAX_LOOP_DELAY_MS,
    `the host's event loop was blocked for ${loop.maxMs.toFixed(0)} ms (${loop.wallMaxMs.toFixed(0)} ms of wall clock, less waits for a CPU; bound ${MAX_LOOP_DELAY_MS} ms) during ${context()}`,
  );
  const started = Date.now();
  const answer = await Promise.race([
    (async () => {
      const ws = await openClient();
      try {
        return await new Promise<unknown>((resolve) => {
          ws.on('message', (raw: Buffer) => {
            const msg = JSON.parse(raw.toString()) as { id?: number; result?: unknown; error?: unknown };
            if (msg.id === 1) resolve(msg.result ?? msg.error);
          });
          ws.send(JSON.stringify({ id: 1, method: 'getEngineInfo', params: {} }));
        });
      } finally {
        ws.terminate();
      }
    })(),
    sleep(HEALTH_WAIT_MS).then(() => 'timeout' as const),
  ]).catch((e: unknown) => `connect failed: ${e instanceof Error ? e.message : String(e)}`);
  assert.ok(
    answer !== null && typeof answer === 'object' && (answer as { host?: unknown }).host === 'web',
    `a fresh client's getEngineInfo got ${JSON.stringify(answer)} after ${Date.now() - started} ms (limit ${HEALTH_WAIT_MS}) after ${context()}`,
  );
  assertAlive(where, hint);
  sampleRss(where);
  let rss = rssMb(host.child.pid);
  const settleBy = Date.now() + SETTLE_MS;
  while (rss !== null && rss >= MAX_RSS_MB && Date.now() < settleBy) {
    await sleep(100);
    rss = rssMb(host.child.pid);
  }
  if (rss !== null && (settledRssMb === null || rss > settledRssMb)) settledRssMb = rss;
  if (VERBOSE)
    console.log(
      `# fuzz: ${where}: healthy after ${Date.now() - started} ms, RSS ${rss?.toFixed(0) ?? '?'} MiB, peak so far ${peakRssMb?.toFixed(0) ?? '?'} MiB`,
    );
  if (rss !== null)
    assert.ok(
      rss < MAX_RSS_MB,
      `the host's RSS is ${rss.toFixed(0)} MiB ${SETTLE_MS} ms after ${context()}\n(bound ${MAX_RSS_MB} MiB; ${startRssMb?.toFixed(0)} at start)`,
    );
  if (peakRssMb !== null) {
    assert.ok(
      peakRssMb < MAX_PEAK_RSS_MB,
      `the host's RSS reached ${peakRssMb.toFixed(0)} MiB (peak bound ${MAX_PEAK_RSS_MB} MiB, ${startRssMb?.toFixed(0)} at start) during ${peakAt}; checked after ${context()}`,
    );
  }
}

function rssSummary(): string {
  const mb = (n: number | null) => (n === null ? '?' : n.toFixed(0));
  const loop =
    worstLoop === null
      ? ''
      : `; event loop blocked ${worstLoop.maxMs.toFixed(0)} ms at most, during ${worstLoopAt} (bound ${MAX_LOOP_DELAY_MS})`;
  return `host RSS: ${mb(startRssMb)} MiB at start, at most ${mb(settledRssMb)} MiB after a batch (bound ${MAX_RSS_MB}), peak ${mb(peakRssMb)} MiB during ${peakAt} (bound ${MAX_PEAK_RSS_MB})${loop}`;
}

/** Reads the host's RSS and keeps the peak (sampled every RSS_SAMPLE_MS while cases run, and at every check). */
function sampleRss(where: string): void {
  const rss = rssMb(host?.child.pid);
  if (rss !== null && (peakRssMb === null || rss > peakRssMb)) {
    peakRssMb = rss;
    peakAt = where;
  }
}

before(async () => {
  mkdirSync(userData, { recursive: true });
  mkdirSync(dataRoot, { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(canaryFile, `${CANARY},1\n2,3\n`);
  try {
    symlinkSync(canaryFile, join(dataRoot, 'link-to-outside.csv'));
  } catch {
    // Windows without the symlink privilege: the link case becomes a missing file.
  }
  if (process.platform === 'linux') {
    execFileSync('mkfifo', [join(dataRoot, 'pipe.csv')]);
    symlinkSync('/dev/zero', join(dataRoot, 'zero.csv'));
  }
  host = await startHost();
  startRssMb = rssMb(host.child.pid);
  sampler = setInterval(() => {
    sampleRss(running);
  }, RSS_SAMPLE_MS);
  sampler.unref();
});

after(async () => {
  if (sampler) clearInterval(sampler);
  if (host && host.exited() === null) {
    const gone = new Promise((resolve) => host.child.on('exit', resolve));
    host.child.kill('SIGTERM');
    await Promise.race([gone, sleep(5000)]);
    if (host.exited() === null) host.child.kill('SIGKILL');
  }
  rmSync(tmp, { recursive: true, force: true });
  const rss = process.platform === 'linux' ? rssSummary() : 'RSS not measured (not Linux)';
  console.log(`# fuzz: seed ${SEED}, cases ${JSON.stringify(ONLY ? Object.fromEntries(ONLY) : COUNTS)}, ${rss}`);
});

// ---------------------------------------------------------------------------------------------------------------
// Raw connections
// ---------------------------------------------------------------------------------------------------------------

interface Conn {
  socket: Socket;
  /** Bytes before the end of the HTTP response head. */
  head: string;
  status: number;
  closed: boolean;
  frames: FrameReader;
  replies: Map<number, number>;
  pongs: Buffer[];
  /** Resolves on the next event (data, close): what waiting loops wait for. */
  changed(): Promise<void>;
}

function openRaw(): Promise<Conn> {
  return new Promise((resolve) => {
    let wake: (() => void) | null = null;
    let headDone = false;
    const conn: Conn = {
      // Resolves on connect, or on close when the connection fails (a host that died refuses it).
      socket: connectTcp(host.port, '127.0.0.1', () => resolve(conn)),
      head: '',
      status: 0,
      closed: false,
      frames: new FrameReader(),
      replies: new Map(),
      pongs: [],
      changed: () =>
        new Promise<void>((r) => {
          wake = r;
        }),
    };
    const notify = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    conn.socket.setNoDelay(true);
    conn.socket.on('error', () => {});
    conn.socket.on('close', () => {
      conn.closed = true;
      notify();
      resolve(conn);
    });
    conn.socket.on('end', () => {
      conn.closed = true;
      notify();
    });
    conn.socket.on('data', (d: Buffer) => {
      let rest = d;
      if (!headDone) {
        const text = conn.head + d.toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) {
          conn.head = text.slice(0, 64 * 1024);
          notify();
          return;
        }
        conn.head = text.slice(0, end);
        conn.status = Number(/^HTTP\/1\.1 (\d{3})/.exec(conn.head)?.[1] ?? 0);
        headDone = true;
        rest = Buffer.from(text.slice(end + 4), 'latin1');
      }
      if (conn.status === 101) {
        for (const f of conn.frames.push(rest)) {
          if (f.opcode === OP.pong) conn.pongs.push(f.payload);
          if (f.opcode === OP.text) {
            try {
              const msg = JSON.parse(f.payload.toString()) as { id?: unknown };
              if (typeof msg.id === 'number') conn.replies.set(msg.id, (conn.replies.get(msg.id) ?? 0) + 1);
            } catch {
              // Not ours to judge here: the API layer checks replies.
            }
          }
        }
      }
      notify();
    });
  });
}

/** Waits until `done()` or `ms` pass; true when done. */
async function waitFor(conn: Conn, ms: number, done: () => boolean): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await Promise.race([conn.changed(), sleep(Math.min(left, 100))]);
  }
  return true;
}

async function writeChunks(socket: Socket, chunks: Buffer[]): Promise<void> {
  for (const c of chunks) {
    if (socket.destroyed) return;
    socket.write(c);
    // Give each piece its own turn of the event loop: the host sees partial frames more often.
    await new Promise((r) => setImmediate(r));
  }
}

/** Runs one pre-auth case; the failure message when its expectation fails, else null. */
async function runPreAuth(c: PreAuthCase): Promise<string | null> {
  const conn = await openRaw();
  await writeChunks(conn.socket, c.chunks);
  if (c.ending === 'reset') {
    conn.socket.resetAndDestroy();
    return null;
  }
  if (c.ending === 'end') conn.socket.end();
  await waitFor(conn, 1000, () => conn.closed || conn.status !== 0);
  conn.socket.destroy();
  if (c.mustNotUpgrade && conn.status === 101)
    return `${c.category}: a connection without valid credentials was upgraded (101): ${conn.head.slice(0, 300)}`;
  return null;
}

/** Runs one frames case after an authenticated handshake; the failure message when its expectation fails, else null. */
async function runFrames(c: RawCase): Promise<string | null> {
  const conn = await openRaw();
  const handshake = Buffer.from(
    upgradeRequest({
      path: `/api?token=${host.token}`,
      host: `127.0.0.1:${host.port}`,
      origin: c.withHandshake ? null : origin(),
    }),
  );
  const chunks = [...c.chunks];
  if (c.withHandshake) conn.socket.write(Buffer.concat([handshake, chunks.shift() ?? Buffer.alloc(0)]));
  else conn.socket.write(handshake);
  await waitFor(conn, REPLY_WAIT_MS, () => conn.status !== 0 || conn.closed);
  if (conn.status !== 101) {
    conn.socket.destroy();
    return `the authenticated handshake was answered ${conn.status || '(nothing)'}: ${conn.head.slice(0, 200)}`;
  }
  await writeChunks(conn.socket, chunks);
  const expect = c.expect;
  try {
    if (c.ending === 'reset') {
      conn.socket.resetAndDestroy();
      return null;
    }
    if (c.ending === 'end') conn.socket.end();
    if (expect.kind === 'close') {
      if (!(await waitFor(conn, CLOSE_WAIT_MS, () => conn.closed)))
        return `${c.category}: the host kept the connection open ${CLOSE_WAIT_MS} ms after ${c.ending === 'end' ? 'our FIN' : 'a protocol violation'}`;
      return null;
    }
    if (expect.kind === 'replies') {
      const answered = () =>
        expect.ids.every((id) => (conn.replies.get(id) ?? 0) >= 1) && conn.pongs.length >= expect.pongs;
      if (!(await waitFor(conn, REPLY_WAIT_MS, () => answered() || conn.closed)) || !answered()) {
        const got = JSON.stringify([...conn.replies]);
        return `${c.category}: a valid sequence was not answered within ${REPLY_WAIT_MS} ms${conn.closed ? ' (the host closed the connection)' : ''}: expected replies to ${JSON.stringify(expect.ids)} and ${expect.pongs} pongs, got replies ${got} and ${conn.pongs.length} pongs`;
      }
      const twice = expect.ids.filter((id) => (conn.replies.get(id) ?? 0) > 1);
      if (twice.length > 0) return `${c.category}: requests ${JSON.stringify(twice)} were answered more than once`;
      return null;
    }
    await waitFor(conn, 150, () => conn.closed);
    return null;
  } finally {
    conn.socket.destroy();
  }
}

/** A layer after one that killed the host gets a fresh host (its own failure already reported the death). */
async function ensureHost(t: TestContext): Promise<void> {
  if (host.exited() === null) return;
  t.diagnostic(`the host had died (${host.exited()}); starting a fresh one for this layer`);
  host = await startHost();
}

async function rawLayer(t: TestContext, layer: 'preauth' | 'frames'): Promise<void> {
  await ensureHost(t);
  const all = indices(layer);
  let cases = 0;
  const started = Date.now();
  for (let b = 0; b < all.length; b += BATCH) {
    const batch = all.slice(b, b + BATCH);
    running = `${layer} cases ${batch[0]}–${batch[batch.length - 1]}`;
    const failures: string[] = [];
    await pool(batch, CONCURRENCY, async (index) => {
      const rng = Rng.forCase(SEED, layer, index);
      const c =
        layer === 'preauth'
          ? preAuthCase(rng, { host: `127.0.0.1:${host.port}`, token: host.token })
          : frameCase(rng, { maxPayload: MAX_WIRE_MESSAGE_BYTES, requestId: 1000 + index });
      if (VERBOSE && ONLY)
        console.log(`# fuzz: ${caseTag(layer, index)} ${c.category} ending ${c.ending}: ${hex(c.chunks, 400)}`);
      const problem = layer === 'preauth' ? await runPreAuth(c as PreAuthCase) : await runFrames(c as RawCase);
      cases++;
      if (problem)
        failures.push(`${caseTag(layer, index)} ${problem}\n  bytes: ${hex(c.chunks)}\n  ${replay(layer, index)}`);
    });
    const where = `${layer} cases ${batch[0]}–${batch[batch.length - 1]}`;
    assertAlive(where, replay(layer, batch[0]!, batch[batch.length - 1]!), failures);
    assert.deepEqual(failures, [], `${failures.length} of ${where} failed:\n${failures.join('\n')}`);
    await assertHealthy(where, replay(layer, batch[0]!, batch[batch.length - 1]!));
  }
  t.diagnostic(`${layer}: ${cases} cases in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${SEED})`);
}

test('pre-auth: garbage, broken requests and refused upgrades never upgrade and never take the host down', async (t) => {
  await rawLayer(t, 'preauth');
});

test('frames: hand-built WebSocket frames after the handshake close that connection or are answered, never more', async (t) => {
  await rawLayer(t, 'frames');
});

// ---------------------------------------------------------------------------------------------------------------
// API payloads
// ---------------------------------------------------------------------------------------------------------------

/** Every method, from the schemas and the method list both: one added to either is fuzzed without a change here. */
const METHODS = [...new Set<string>([...API_METHODS, ...Object.keys(API_SCHEMAS)])].sort();
const SCHEMAS: Record<string, JsonSchema> = Object.fromEntries(
  METHODS.map((m) => {
    const schema = (API_SCHEMAS as Record<string, z.ZodType | undefined>)[m];
    try {
      return [m, schema ? (z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as JsonSchema) : {}];
    } catch {
      // A schema JSON Schema cannot describe (a transform, a custom check): fuzz it with random values alone.
      return [m, {}];
    }
  }),
);

/** Where a fuzzed path may point: nowhere real (missing, relative, refused) or at the canary through a link. */
const PATHS = [
  join(dataRoot, 'missing.csv'),
  join(dataRoot, 'missing-folder'),
  dataRoot,
  join(dataRoot, 'link-to-outside.csv'),
  canaryFile,
  outside,
  '/etc/passwd',
  '/proc/self/environ',
  '/dev/zero',
  '/dev/stdin',
  // A FIFO inside the root, which only its kind refuses (a read would stall the host), and a link from the root to
  // /dev/zero, which resolves outside it.
  join(dataRoot, 'pipe.csv'),
  join(dataRoot, 'zero.csv'),
  join(dataRoot, '..', 'outside', 'secret.csv'),
  'relative/data.csv',
  '',
  'sample:../../package.json',
  'sample:.hidden',
  'sample:no-such-sample.csv',
  `${dataRoot}/\u0000x`,
  'C:\\Windows\\win.ini',
  '\\\\server\\share',
  'file:///etc/passwd',
  `${'/a'.repeat(2100)}`,
  '~/x.csv',
  join(userData, 'uploads'),
];

/** Data paths a defused spec gets: each refused before a worker starts (relative, a bad or missing sample). */
const DEFUSED_PATHS = ['relative/no-such-data.csv', 'sample:../escape.csv', 'sample:no-such-sample.csv'];

/**
 * Keeps a fuzz case from training: any spec in the params that analyzeModel accepts (startRun, estimateRun, or a
 * method added later that takes one) gets a data path the host refuses before it starts a worker.
 */
function defuse(_method: string, params: unknown): void {
  if (params === null || typeof params !== 'object') return;
  for (const value of Object.values(params as Record<string, unknown>)) {
    if (value === null || typeof value !== 'object' || !('layers' in value)) continue;
    let valid = true;
    try {
      valid = analyzeModel(value as ModelSpec).valid;
    } catch {
      // It says it never throws; if it did, treat the spec as one that could run.
    }
    if (!valid) continue;
    const spec = value as { data?: { kind?: unknown } };
    const kind = spec.data && typeof spec.data === 'object' ? spec.data.kind : 'text';
    spec.data = { kind, path: DEFUSED_PATHS[JSON.stringify(value).length % DEFUSED_PATHS.length] } as { kind: unknown };
  }
}

/** One message sent: the reply ids it may get (usually one), and the case it came from. */
interface Slot {
  keys: string[];
  index: number;
  c: ApiCase;
  /** When it was sent; null once a reply matched it. */
  sentAt?: number | null;
}

interface ApiClient {
  ws: WebSocket;
  /** Every message sent on this client, and how many replies arrived per id (as JSON writes it: "-1", "1003"). */
  slots: Slot[];
  received: Map<string, number>;
  closed: boolean;
}

/**
 * Matches replies to messages: each slot takes one reply with one of its ids. Returns the slots left unanswered and
 * the replies left over (a second reply to one request, or one to nothing sent).
 */
function reconcile(
  slots: readonly Slot[],
  received: ReadonlyMap<string, number>,
): { missing: Slot[]; extra: [string, number][] } {
  const left = new Map(received);
  const missing: Slot[] = [];
  const take = (k: string) => {
    const n = left.get(k) ?? 0;
    if (n > 0) left.set(k, n - 1);
    return n > 0;
  };
  for (const slot of slots) if (slot.keys.length === 1 && !take(slot.keys[0]!)) missing.push(slot);
  for (const slot of slots) if (slot.keys.length > 1 && !slot.keys.some(take)) missing.push(slot);
  return { missing, extra: [...left].filter(([, n]) => n > 0) };
}

/** Checks one reply: its shape, and that it leaks nothing (file content outside the roots, stacks). Returns problems. */
function judgeReply(text: string, msg: { id?: unknown; result?: unknown; error?: unknown }): string[] {
  const out: string[] = [];
  const keys = Object.keys(msg).sort().join(',');
  if (keys !== 'error,id' && keys !== 'id,result')
    out.push(`a reply must be {id, result} or {id, error}; it has {${keys}}`);
  if (typeof msg.id !== 'number')
    out.push(`a reply's id must be a number (WireMessage); it is ${JSON.stringify(msg.id)}`);
  if ('error' in msg) {
    const e = msg.error as { message?: unknown; code?: unknown } | null;
    if (
      !e ||
      typeof e.message !== 'string' ||
      typeof e.code !== 'string' ||
      !ERROR_CODES.has(e.code) ||
      Object.keys(e).length !== 2
    )
      out.push('an error that is not ApiError-shaped {message, code}');
    else if (/\n\s+at .+[:(]\d+:\d+/.test(e.message)) out.push('an error message with a stack trace');
  }
  if (text.includes(CANARY)) out.push('a reply carries content of a file outside the data roots (the canary)');
  if (/root:[^:\n]*:0:0:/.test(text)) out.push('a reply carries /etc/passwd');
  return out;
}

/** Ids the host hands out (uploads, projects) in a result: later cases use them (importModel of an upload, loadProject). */
function harvestIds(value: unknown, into: string[], key = '', depth = 0): void {
  if (depth > 4 || value === null || typeof value !== 'object') {
    if (typeof value === 'string' && /id$/i.test(key) && /^[A-Za-z0-9._-]{1,100}$/.test(value) && !into.includes(value))
      into.push(value);
    return;
  }
  for (const [k, v] of Object.entries(value)) harvestIds(v, into, k, depth + 1);
}

const describeSlot = (o: Slot) =>
  `${caseTag('api', o.index)} ${o.c.category} ${o.c.method}: ${preview(o.c.data)}\n    ${replay('api', o.index)}`;

test('api: every message gets exactly one well-formed reply with its id, without leaks, stacks or training', async (t) => {
  await ensureHost(t);
  const started = Date.now();
  const problems: string[] = [];
  const events: string[] = [];
  const ids: string[] = [];
  let wake: (() => void) | null = null;
  const clients: ApiClient[] = [];
  /** Messages sent and not yet answered. */
  const inFlight = new Set<Slot>();
  /** Replies by outcome (result, or error code; schema refusals apart), for the diagnostic. */
  const outcomes = new Map<string, number>();
  for (let i = 0; i < API_CLIENTS; i++) {
    const client: ApiClient = { ws: await openClient(), slots: [], received: new Map(), closed: false };
    client.ws.on('close', () => {
      client.closed = true;
      wake?.();
    });
    client.ws.on('message', (raw: Buffer) => {
      const text = raw.toString();
      let msg: { id?: unknown; result?: unknown; error?: unknown; event?: { type?: string } };
      try {
        msg = JSON.parse(text) as typeof msg;
      } catch {
        problems.push(`a reply that is not JSON: ${preview(text)}`);
        return;
      }
      if ('event' in msg) {
        // No case may start a run: a run event (or runs-changed, with no run to change) means one did.
        events.push(`${msg.event?.type}: ${text.slice(0, 300)}`);
        return;
      }
      const key = JSON.stringify(msg.id ?? null);
      client.received.set(key, (client.received.get(key) ?? 0) + 1);
      const answered =
        client.slots.find((o) => o.sentAt != null && o.keys[0] === key) ??
        client.slots.find((o) => o.sentAt != null && o.keys.includes(key));
      if (answered) {
        inFlight.delete(answered);
        answered.sentAt = null;
      }
      const found = judgeReply(text, msg);
      if (found.length > 0) {
        const owners = client.slots
          .filter((o) => o.keys.includes(key))
          .slice(-3)
          .map(describeSlot)
          .join('\n  ');
        problems.push(
          `${found.join('; ')}\n  reply: ${preview(text, 400)}\n  sent with id ${key}:\n  ${owners || '(nothing)'}`,
        );
      }
      if ('result' in msg) harvestIds(msg.result, ids);
      const kind =
        'result' in msg
          ? 'result'
          : `${(msg.error as { code?: string } | null)?.code}${/invalid arguments/.test(String((msg.error as { message?: string } | null)?.message)) ? ' (schema)' : ''}`;
      outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
      if (VERBOSE && kind === 'failed') {
        const owner = client.slots.find((o) => o.keys.includes(key));
        console.log(`# fuzz: "failed" reply ${preview(text, 300)} to ${owner ? describeSlot(owner) : '?'}`);
      }
      wake?.();
    });
    clients.push(client);
  }
  // Real specs to start from (the samples), fetched like the UI does.
  const first = clients[0]!;
  const samples = await new Promise<unknown[]>((resolve) => {
    const onMessage = (raw: Buffer) => {
      const msg = JSON.parse(raw.toString()) as { id?: number; result?: unknown };
      if (msg.id === 0.5) {
        first.ws.off('message', onMessage);
        resolve(msg.result as unknown[]);
      }
    };
    first.slots.push({ keys: ['0.5'], index: -1, c: { category: 'setup', method: 'listSamples', data: '' } });
    first.ws.on('message', onMessage);
    first.ws.send(JSON.stringify({ id: 0.5, method: 'listSamples', params: {} }));
  });
  const specs = samples.map((x) => (x as { spec: unknown }).spec);
  const ctx: ApiContext = {
    methods: METHODS,
    schemas: SCHEMAS,
    ids: [],
    paths: PATHS,
    specs,
    defuse,
    maxBytes: MAX_WIRE_MESSAGE_BYTES,
  };

  const all = indices('api');
  const perMethod = new Map<string, number>();
  for (let b = 0; b < all.length; b += BATCH) {
    const batch = all.slice(b, b + BATCH);
    const where = `api cases ${batch[0]}–${batch[batch.length - 1]}`;
    const hint = replay('api', batch[0]!, batch[batch.length - 1]!);
    running = where;
    // Ids handed out so far, in a stable order (the newest 40): the cases of this batch draw on them.
    ctx.ids = [...ids].sort().slice(-40);
    // A hang is one message unanswered for API_REPLY_WAIT_MS; slow batches (several file jobs) are fine.
    const stale = () => [...inFlight].some((o) => Date.now() - (o.sentAt ?? 0) > API_REPLY_WAIT_MS);
    const waitABit = () =>
      Promise.race([
        new Promise<void>((r) => {
          wake = r;
        }),
        sleep(10),
      ]);
    // At most API_WINDOW messages in flight, none while one takes long (a file job's worker): see API_WINDOW.
    const busy = () => inFlight.size >= API_WINDOW || [...inFlight].some((o) => Date.now() - (o.sentAt ?? 0) > SLOW_MS);
    // A host that died (or dropped a client) answers nothing more: stop waiting, and say so below.
    const gone = () => host.exited() !== null || clients.some((cl) => cl.closed);
    for (const index of batch) {
      const c = apiCase(Rng.forCase(SEED, 'api', index), ctx, 1000 + index);
      if (VERBOSE && ONLY)
        console.log(`# fuzz: ${caseTag('api', index)} ${c.category} ${c.method}: ${preview(c.data, 2000)}`);
      perMethod.set(c.method, (perMethod.get(c.method) ?? 0) + 1);
      while (busy() && !gone() && !stale()) await waitABit();
      if (gone() || stale()) break;
      const client = clients[index % API_CLIENTS]!;
      const slot: Slot = { keys: acceptableReplyIds(c.data), index, c, sentAt: Date.now() };
      client.slots.push(slot);
      inFlight.add(slot);
      client.ws.send(c.data);
    }
    const complete = () => clients.every((cl) => cl.closed || reconcile(cl.slots, cl.received).missing.length === 0);
    while (!complete() && !gone() && !stale()) await waitABit();
    if (gone()) await sleep(200);
    assertAlive(where, hint, problems);
    const wrong: string[] = [];
    for (const [ci, cl] of clients.entries()) {
      assert.ok(!cl.closed, `the host closed API client ${ci} (it sends valid frames only) during ${where}; ${hint}`);
      const { missing, extra } = reconcile(cl.slots, cl.received);
      for (const m of missing)
        wrong.push(`no reply with id ${m.keys.join(' or ')} within ${API_REPLY_WAIT_MS} ms to ${describeSlot(m)}`);
      for (const [k, n] of extra) {
        const owners = cl.slots
          .filter((o) => o.keys.includes(k))
          .slice(-3)
          .map(describeSlot)
          .join('\n  ');
        wrong.push(
          `${n} more repl${n === 1 ? 'y' : 'ies'} with id ${k} than messages sent with it:\n  ${owners || '(nothing sent with that id)'}`,
        );
      }
    }
    assert.deepEqual(wrong, [], `replies missing or duplicated after ${where} (seed ${SEED}):\n${wrong.join('\n')}`);
    assert.deepEqual(problems, [], `bad replies during ${where} (seed ${SEED}):\n${problems.join('\n')}\n${hint}`);
    assert.deepEqual(events, [], `a case started work (a run or runs-changed event) during ${where}; ${hint}`);
    await assertHealthy(where, hint);
  }
  for (const c of clients) c.ws.terminate();
  assert.ok(
    ONLY !== null || METHODS.every((m) => perMethod.has(m)),
    `methods never fuzzed: ${METHODS.filter((m) => !perMethod.has(m)).join(', ')}`,
  );
  t.diagnostic(
    `api: ${all.length} messages in ${((Date.now() - started) / 1000).toFixed(1)} s over ${METHODS.length} methods (seed ${SEED}); replies ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}; ids handed out: ${ids.length}`,
  );
});

test('the host is alive and answers a fresh client after all the cases', async (t) => {
  running = 'the final check';
  await assertHealthy('all cases', `seed ${SEED}`);
  assert.ok(existsSync(canaryFile), 'the canary outside the data roots is still there');
  t.diagnostic(rssSummary());
});

// ---------------------------------------------------------------------------------------------------------------
// What the fuzzer found, kept as tests (each failed before its fix)
// ---------------------------------------------------------------------------------------------------------------

/** Sends raw text on a fresh client and returns the first reply (not an event), or a timeout note. */
async function firstReply(text: string): Promise<{ id?: unknown; error?: unknown; result?: unknown } | 'timeout'> {
  const ws = await openClient();
  try {
    return await Promise.race([
      new Promise<{ id?: unknown }>((resolve) => {
        ws.on('message', (raw: Buffer) => {
          const msg = JSON.parse(raw.toString()) as { id?: unknown; event?: unknown };
          if (!('event' in msg)) resolve(msg);
        });
        ws.send(text);
      }),
      sleep(REPLY_WAIT_MS).then(() => 'timeout' as const),
    ]);
  } finally {
    ws.terminate();
  }
}

// A request the host cannot run still names its id: answering -1 (or null) leaves the client's call waiting forever.
test('a request with a numeric id is answered with that id even when the rest is malformed', async (t) => {
  if (ONLY !== null) return t.skip('FUZZ_ONLY replays fuzz cases only');
  await ensureHost(t);
  const wrong: string[] = [];
  for (const [sent, ok] of [
    ['{"id":5,"method":42,"params":{}}', (id: unknown) => id === 5],
    ['{"id":6,"params":{}}', (id: unknown) => id === 6],
    // Infinity once parsed: no reply can carry it, but the reply's id must still be a number (-1: "unidentified").
    ['{"id":1e400,"method":"getEngineInfo","params":{}}', (id: unknown) => typeof id === 'number'],
  ] as const) {
    const reply = await firstReply(sent);
    if (reply === 'timeout' || !ok(reply.id)) wrong.push(`${sent} → ${JSON.stringify(reply)}`);
  }
  assert.deepEqual(wrong, []);
});

// File jobs (previewData, importModel, the data hash before a run) run in worker threads. Before, each started a fresh
// worker compiled through tsx (~0.6 GiB of RSS, 1.5 s of CPU) with no limit on how many ran at once: 8 clients previewing
// took the host to 4.5 GiB. Now at most MAX_FILE_JOBS run, each a bundled worker of ~40 MiB.
test('8 concurrent previews keep the host within 1536 MiB', async (t) => {
  if (process.platform !== 'linux') return t.skip('RSS is read from /proc');
  if (ONLY !== null) return t.skip('FUZZ_ONLY replays fuzz cases only');
  await ensureHost(t);
  running = 'concurrent previews';
  const csv = join(dataRoot, 'small.csv');
  writeFileSync(csv, `date,x\n${Array.from({ length: 2000 }, (_, i) => `${i},${Math.sin(i)}`).join('\n')}\n`);
  const clients = await Promise.all(Array.from({ length: 8 }, () => openClient()));
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb(host.child.pid) ?? 0);
  }, RSS_SAMPLE_MS);
  try {
    await Promise.all(
      clients.map(
        (ws, i) =>
          new Promise<void>((resolve) => {
            ws.on('message', (raw: Buffer) => {
              if ((JSON.parse(raw.toString()) as { id?: unknown }).id === i) resolve();
            });
            ws.send(
              JSON.stringify({
                id: i,
                method: 'previewData',
                params: { data: { kind: 'timeseries', path: csv, target: 'x', lookback: 4, step: 1, delay: 1 } },
              }),
            );
          }),
      ),
    );
  } finally {
    clearInterval(timer);
    for (const ws of clients) ws.terminate();
  }
  assert.ok(peak < 1536, `8 concurrent previewData calls took the host to ${peak.toFixed(0)} MiB (bound 1536 MiB)`);
});
