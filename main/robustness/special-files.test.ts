/**
 * Device files, FIFOs and symlinks to them, handed over as data, models or specs: each refused by what it is, at once.
 * Seen before: /dev/zero (size 0, so no size limit applied) grew the host to 22 GB in previewData and 4.1 GB in
 * startRun; a FIFO blocked the whole host until something wrote to it; the CLI did the same with --data, and with a
 * weight file symlinked to /dev/zero. Every case has a timeout: a hang fails it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsvFile } from '../data/csv.js';
import { loadTextDataset } from '../data/text-dataset.js';
import { DataDigest } from '../data/data-digest.js';
import { readTfjsModel } from '../interop/tfjs-artifacts.js';
import { importModelFile } from '../interop/import.js';
import { StudioService } from '../studio/studio-service.js';
import { waitForEnd } from '../studio/test-support.js';
import { prepareOutputFolder } from '../studio/storage.js';
import { setFileWorkerEntry } from '../studio/off-thread.js';
import { exportRun } from '../interop/export.js';
import { buildModel } from '../training/build-model.js';
import { saveLayersModel } from '../training/save-model.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { WebSocket } from 'ws';
import type { StudioEvent } from '../../shared/api.js';
import { rssMbOf, startChildHost } from './child-host.js';

const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const linux = process.platform === 'linux';
const opts = { timeout: 30_000, skip: linux ? false : 'device files and FIFOs as tested here are Linux' };

function fixtures() {
  const dir = tempDir('rnn-special-');
  const fifo = join(dir, 'pipe.csv');
  execFileSync('mkfifo', [fifo]);
  const zeroLink = join(dir, 'zero.csv');
  symlinkSync('/dev/zero', zeroLink);
  return { dir, fifo, zeroLink };
}

/** A listening Unix-domain socket in `dir` (a file system object that is no file). */
async function unixSocket(dir: string): Promise<{ path: string; close(): void }> {
  const path = join(dir, 'data.sock');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { path, close: () => server.close() };
}

test('data: /dev/zero, a FIFO and a symlink to /dev/zero are refused by kind', opts, () => {
  const { fifo, zeroLink } = fixtures();
  assert.throws(() => readCsvFile('/dev/zero'), /expected a regular file, received a character device \(\/dev\/zero\)/);
  assert.throws(() => readCsvFile(fifo), /received a FIFO \(named pipe\)/);
  assert.throws(() => readCsvFile(zeroLink), /received a character device/);
});

test('data: a Unix socket, and a symlink to one, are refused by kind', opts, async () => {
  const { dir } = fixtures();
  const socket = await unixSocket(dir);
  try {
    symlinkSync(socket.path, join(dir, 'socket.csv'));
    assert.throws(() => readCsvFile(socket.path), /expected a regular file, received a socket/);
    assert.throws(() => readCsvFile(join(dir, 'socket.csv')), /expected a regular file, received a socket/);
  } finally {
    socket.close();
  }
});

test(
  "data: a FIFO among a text folder's class files is never read (the loader passes it by, and so does the run's data fingerprint)",
  opts,
  () => {
    const { dir } = fixtures();
    const folder = join(dir, 'lines');
    mkdirSync(folder);
    writeFileSync(join(folder, 'films.pos'), 'a fine film\nloved it\n');
    writeFileSync(join(folder, 'films.neg'), 'dull\ntoo long\n');
    execFileSync('mkfifo', [join(folder, 'other.neu')]);
    const digest = new DataDigest(folder);
    assert.deepEqual(loadTextDataset(folder, { format: 'lines', digest }).classNames, ['neg', 'pos']);
    assert.deepEqual({ ...digest.result(), hash: '' }, { hash: '', files: 2, bytes: 35 });
  },
);

test('models: a weight file symlinked to /dev/zero and a FIFO as the model file are refused', opts, async () => {
  const { dir, fifo } = fixtures();
  const model = join(dir, 'model');
  mkdirSync(model);
  writeFileSync(
    join(model, 'model.json'),
    JSON.stringify({
      modelTopology: {
        class_name: 'Sequential',
        config: { layers: [{ class_name: 'Dense', config: { units: 1, batch_input_shape: [null, 2] } }] },
      },
      weightsManifest: [
        { paths: ['weights.bin'], weights: [{ name: 'dense/kernel', shape: [2, 1], dtype: 'float32' }] },
      ],
    }),
  );
  symlinkSync('/dev/zero', join(model, 'weights.bin'));
  assert.throws(
    () => readTfjsModel(join(model, 'model.json')),
    /weight file weights\.bin: expected a regular file, received a character device/,
  );
  await assert.rejects(importModelFile(fifo), /expected a regular file, received a FIFO/);
});

/** A browser-host service over a fresh user-data folder. */
const webService = () =>
  new StudioService({
    userDataDir: tempDir('rnn-special-user-'),
    host: 'web',
    appVersion: 'test',
    assetsDir: join(root, 'assets'),
    examplesDir: join(root, 'examples'),
  });

test('the API: previewData and startRun on /dev/zero or a FIFO answer with the reason at once', opts, async () => {
  const { fifo } = fixtures();
  const s = webService();
  const sample = (await s.call('listSamples', {})).find((x) => x.id === 'forecast-gru')!;
  for (const path of ['/dev/zero', fifo]) {
    const data = { ...sample.spec.data!, path } as NonNullable<typeof sample.spec.data>;
    await assert.rejects(
      s.call('previewData', { data }),
      /expected a regular file, received (a character device|a FIFO)/,
    );
    // The run starts and fails at once with the reason (its worker refuses the file; the API thread never reads it).
    const { runId } = await s.call('startRun', { spec: { ...sample.spec, data } });
    const events = await waitForEnd(s, runId);
    const last = events[events.length - 1]!;
    assert.ok(
      last.type === 'run' &&
        last.event.type === 'error' &&
        /expected a regular file, received (a character device|a FIFO)/.test(last.event.message),
      JSON.stringify(last),
    );
  }
  await s.shutdown();
});

test('a preview of a path that does not exist is answered without a worker', async () => {
  const s = webService();
  const sample = (await s.call('listSamples', {})).find((x) => x.id === 'forecast-gru')!;
  const data = (path: string) => ({ ...sample.spec.data!, path }) as NonNullable<typeof sample.spec.data>;
  // A worker entry that cannot start: any preview that reaches a worker fails with that, not with the reason.
  setFileWorkerEntry(join(tempDir('rnn-special-no-worker-'), 'missing-worker.mjs'));
  try {
    await assert.rejects(
      s.call('previewData', { data: data(join(tempDir('rnn-special-'), 'missing.csv')) }),
      /nothing exists at this path/,
    );
    // The control: a path that exists goes to a worker, which here cannot start.
    await assert.rejects(
      s.call('previewData', { data: data(join(root, 'assets', 'samples', 'seattle-weather-hourly-normals.csv')) }),
      (e: Error) => !/nothing exists at this path/.test(e.message),
    );
  } finally {
    setFileWorkerEntry(null);
    await s.shutdown();
  }
});

/**
 * The CLI with these arguments, timed, its peak resident set read from /proc/<pid>/status (VmHWM, the kernel's own
 * high-water mark, polled every 10 ms: only growth in the last 10 ms before exit could go unseen).
 */
async function measuredCli(
  args: string[],
): Promise<{ status: number | null; output: string; ms: number; peakMb: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['bin/rnn-studio.mjs', ...args], { cwd: root, timeout: 60_000 });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  let peakMb = 0;
  const poll = setInterval(() => {
    peakMb = Math.max(peakMb, rssMbOf(child.pid, 'VmHWM') ?? 0);
  }, 10);
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(poll);
  return { status, output, ms: Date.now() - started, peakMb };
}

test('the CLI: a spec or --data that is a device or a FIFO ends with a message, soon and small', opts, async () => {
  const { dir, fifo } = fixtures();
  const socket = await unixSocket(dir);
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/rnn-studio.mjs', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  const spec = cli('summary', '/dev/zero');
  assert.notEqual(spec.status, 0, spec.stderr);
  assert.match(
    spec.stderr,
    /Cannot read the spec: expected a regular file, received a character device \(\/dev\/zero\)/,
  );
  const seen: string[] = [];
  try {
    for (const data of ['/dev/zero', fifo, socket.path]) {
      const r = await measuredCli([
        'train',
        'examples/forecast-gru.json',
        '--data',
        data,
        '--out',
        join(tempDir('rnn-special-out-'), 'run'),
      ]);
      seen.push(`${data}: ${r.ms} ms, peak ${r.peakMb.toFixed(0)} MiB`);
      assert.equal(r.status, 1, `${data}: ${r.output}`);
      assert.match(r.output, /expected a regular file, received (a character device|a FIFO|a socket)/);
      // Measured 1.0–1.5 s, most of it starting the CLI; a FIFO's read would hang it until the 60 s timeout.
      assert.ok(r.ms < 30_000, `the CLI took ${r.ms} ms on --data ${data} (bound 30 s)`);
      // Measured 106–115 MiB (TF.js and the kernels loaded); before, /dev/zero took it past 3 GB in seconds.
      assert.ok(r.peakMb < 512, `the CLI peaked at ${r.peakMb.toFixed(0)} MiB on --data ${data} (bound 512 MiB)`);
    }
  } finally {
    socket.close();
  }
  console.log(`# the CLI on special files: ${seen.join('; ')}`);
});

// Seen: exportRun with outDir "/proc/self" spun at 100 % CPU forever (recursive mkdir) and every client hung; CLI
// --out /proc/self/x hung, --out /dev/null/x ended in a stack trace.
test('output folders under /proc or through a file are refused with a message, at once', opts, async () => {
  assert.throws(
    () => prepareOutputFolder('/proc/self'),
    /\/proc\/self: expected a folder on disk, received a path under \/proc \(a virtual file system\)/,
  );
  assert.throws(
    () => prepareOutputFolder('/sys/kernel/x'),
    /\/sys\/kernel\/x: expected a folder on disk, received a path under \/sys/,
  );
  assert.throws(
    () => prepareOutputFolder('/dev/null/x'),
    /\/dev\/null\/x: expected a folder on disk, received a path under \/dev/,
  );
  const { dir } = fixtures();
  writeFileSync(join(dir, 'file'), 'x');
  assert.throws(() => prepareOutputFolder(join(dir, 'file', 'sub')), /expected a folder, but .*file is a file/);
  assert.equal(prepareOutputFolder(join(dir, 'a', 'b')), join(dir, 'a', 'b'));
  // A real (untrained) run folder, exported to /proc/self.
  const runDir = join(dir, 'run');
  const spec = JSON.parse(readFileSync(join(root, 'examples', 'forecast-gru.json'), 'utf8')) as ModelSpec;
  mkdirSync(runDir);
  writeFileSync(join(runDir, 'spec.json'), JSON.stringify(spec));
  await saveLayersModel(buildModel(spec).model, join(runDir, 'model'));
  await assert.rejects(
    exportRun(runDir, 'keras', '/proc/self'),
    /expected a folder on disk, received a path under \/proc/,
  );
  const cli = spawnSync(
    process.execPath,
    ['bin/rnn-studio.mjs', 'train', 'examples/forecast-gru.json', '--out', '/proc/self/x'],
    { cwd: root, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(cli.status, 1, cli.stderr);
  assert.match(cli.stderr, /--out \/proc\/self\/x: expected a folder on disk/);
});

// A FIFO or a device handed to the browser host must cost its event loop nothing: an open of a FIFO blocks until a
// writer comes, which no CPU-time measure shows, so the host's loop is timed in wall-clock terms (loop-probe.mjs).
test(
  'the web host: previewData and startRun on /dev/zero, a link to it, a FIFO and a socket answer with the reason, never stalling its event loop',
  opts,
  async () => {
    const { dir, fifo, zeroLink } = fixtures();
    const socket = await unixSocket(dir);
    // /dev as a data root too, so that /dev/zero and the link (resolved, /dev/zero) pass the root check and meet the
    // kind check.
    const host = await startChildHost([
      '--user-data',
      tempDir('rnn-special-web-'),
      '--data-root',
      dir,
      '--data-root',
      '/dev',
    ]);
    const startRss = host.rssMb()!;
    let peakRss = startRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, host.rssMb() ?? 0);
    }, 20);
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, {
      origin: `http://127.0.0.1:${host.port}`,
    });
    try {
      await new Promise((resolve, reject) => {
        ws.on('open', resolve);
        ws.on('error', reject);
      });
      const messages: { id?: number; result?: unknown; error?: { message: string }; event?: StudioEvent }[] = [];
      let wake = () => {};
      ws.on('message', (raw: Buffer) => {
        messages.push(JSON.parse(raw.toString()) as (typeof messages)[number]);
        wake();
      });
      /** The first message that `match` picks, within 20 s (a file job's worker starts in 0.1–3 s). */
      const next = async <T>(match: (m: (typeof messages)[number]) => T | undefined, what: string): Promise<T> => {
        const by = Date.now() + 20_000;
        for (;;) {
          for (const m of messages) {
            const found = match(m);
            if (found !== undefined) return found;
          }
          assert.ok(Date.now() < by, `no answer within 20 s to ${what}; host: ${host.exited() ?? 'running'}`);
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, 100);
          });
        }
      };
      let id = 0;
      const call = (method: string, params: unknown) => {
        const mine = ++id;
        ws.send(JSON.stringify({ id: mine, method, params }));
        return next((m) => (m.id === mine ? m : undefined), `${method} ${JSON.stringify(params).slice(0, 200)}`);
      };
      const samples = (await call('listSamples', {})).result as { id: string; spec: ModelSpec }[];
      const sample = samples.find((x) => x.id === 'forecast-gru')!;
      const delays: string[] = [];
      /** The host's event loop since the last check was never blocked 100 ms (less the machine's load: LoopDelay). */
      const checkLoop = async (what: string) => {
        const loop = await host.loopDelay();
        delays.push(`${what}: ${loop.maxMs.toFixed(0)} ms (wall ${loop.wallMaxMs.toFixed(0)})`);
        assert.ok(
          loop.maxMs < 100,
          `the host's event loop was blocked for ${loop.maxMs.toFixed(0)} ms (${loop.wallMaxMs.toFixed(0)} ms of wall clock, less waits for a CPU; bound 100 ms) by ${what}`,
        );
      };
      for (const path of ['/dev/zero', zeroLink, fifo, socket.path]) {
        await host.loopDelay();
        const data = { ...sample.spec.data!, path };
        const preview = await call('previewData', { data });
        assert.match(
          preview.error?.message ?? JSON.stringify(preview),
          /expected a regular file, received (a character device|a FIFO|a socket)/,
          path,
        );
        await checkLoop(`previewData on ${path}`);
        const started = await call('startRun', { spec: { ...sample.spec, data } });
        const runId = (started.result as { runId: string } | undefined)?.runId;
        assert.ok(runId, `startRun on ${path}: ${JSON.stringify(started)}`);
        const end = await next(
          (m) =>
            m.event?.type === 'run' &&
            m.event.runId === runId &&
            (m.event.event.type === 'error' || m.event.event.type === 'done')
              ? m.event.event
              : undefined,
          `the end of the run on ${path}`,
        );
        assert.ok(
          end.type === 'error' &&
            /expected a regular file, received (a character device|a FIFO|a socket)/.test(end.message),
          `${path}: ${JSON.stringify(end)}`,
        );
        // Starting the run writes run.json twice (at the start and at the error), each fsynced on the loop.
        await checkLoop(`startRun on ${path}`);
      }
      assert.equal(host.exited(), null);
      // Idle, the host is 0.5–0.8 GiB (tsx, the studio's modules); each file job adds a worker of ~40 MiB. Before,
      // /dev/zero took it to 22 GB.
      assert.ok(
        peakRss - startRss < 512,
        `the host grew from ${startRss.toFixed(0)} to ${peakRss.toFixed(0)} MiB (bound: 512 MiB of growth)`,
      );
      console.log(
        `# special files on the web host: loop blocked at most ${delays.join('; ')}; RSS ${startRss.toFixed(0)} → peak ${peakRss.toFixed(0)} MiB`,
      );
    } finally {
      clearInterval(sampler);
      ws.terminate();
      socket.close();
      await host.stop();
    }
  },
);
