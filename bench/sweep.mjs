#!/usr/bin/env node
// @ts-check
// `npm run bench -- --sizes`: the size sweep of issue #16. SimpleRNN / LSTM / GRU / Bidirectional(LSTM) at 32 … 512
// units, plus a batch sweep at LSTM(128), each trained by Keras 3 (the interop suite's .venv-interop: Keras 3 on
// TensorFlow, what a user installs today) and by our engine on each kernel provider, interleaved row by row, each run
// in its own process. Per row: s/epoch, ours/Keras, GFLOP/s from the formula below, its share of the machine's
// float32 GEMM rate measured in the same run (bench/gemm_probe.py, before and after), and peak RSS.
//
//   node bench/sweep.mjs [--samples 256] [--epochs 1] [--rounds 1] [--cells lstm,gru,simplernn,bilstm]
//                        [--units 32,64,128,256,512] [--batches 32,64,256] [--providers wasm,native] [--out NAME]
//                        [--keras-python PATH]
//
// FLOP per epoch (multiply-adds × 2; the elementwise passes, the Embedding and the Dense head are not counted):
//   G gates (SimpleRNN 1, GRU 3, LSTM 4), D input features, U units, T steps, N samples, directions d (2 for
//   Bidirectional): forward 2·N·T·G·U·(D + U)·d, backward twice that, so training = 6·N·T·G·U·(D + U)·d.
// Writes bench/results/<NAME>.{json,md,svg} (default sizes) and prints the table.
import { median, resultLine, runChild } from './children.mjs';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {'simplernn' | 'lstm' | 'gru' | 'bilstm'} Cell
 * @typedef {{ id: string; cell: Cell; units: number; embedding: number; length: number; batch: number }} SweepRow
 * @typedef {{ secondsPerEpoch: number; maxRssMB: number; params: number; kernels?: string | null; backendDetail?: string;
 *   versions?: Record<string, string | null> }} Measured
 * @typedef {{ row: string; side: string; round: number; load: number; result?: Measured; error?: string }} Sample
 */

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
// --keras-python runs the Keras side (and the GEMM probe) in another environment, e.g. a newer TensorFlow.
const kerasPythonArg = process.argv.indexOf('--keras-python');
const kerasPython =
  kerasPythonArg >= 0 ? (process.argv[kerasPythonArg + 1] ?? '') : join(root, '.venv-interop', 'bin', 'python');
const GATES = /** @type {Record<Cell, number>} */ ({ simplernn: 1, lstm: 4, gru: 3, bilstm: 4 });
const CLASS = /** @type {Record<Cell, string>} */ ({
  simplernn: 'SimpleRNN',
  lstm: 'LSTM',
  gru: 'GRU',
  bilstm: 'LSTM',
});

/** @param {string} name @param {string} fallback */
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const list = (/** @type {string} */ s) => s.split(',').filter(Boolean);
const samples = Number(arg('samples', '256'));
const epochs = Number(arg('epochs', '1'));
const rounds = Number(arg('rounds', '1'));
const cells = /** @type {Cell[]} */ (list(arg('cells', 'simplernn,lstm,gru,bilstm')));
const unitsList = list(arg('units', '32,64,128,256,512')).map(Number);
const batches = list(arg('batches', '32,64,256')).map(Number);
const nativeBuilt = existsSync(join(root, 'native', 'build', 'rnn_native.node'));
const providers = list(arg('providers', nativeBuilt ? 'wasm,native' : 'wasm'));
const outName = arg('out', 'sizes');
for (const c of cells) if (!(c in GATES)) throw new Error(`unknown cell ${c} (simplernn, lstm, gru, bilstm)`);

/** The sweep's rows: every cell × units at batch 128, then LSTM(128) at the other batch sizes. */
function sweepRows() {
  /** @type {SweepRow[]} */
  const rows = [];
  const row = (/** @type {Cell} */ cell, /** @type {number} */ units, /** @type {number} */ batch) => {
    const embedding = Math.min(128, Math.max(32, units));
    // Bidirectional runs both directions: the book's length 200 keeps its row as long as the others.
    const length = cell === 'bilstm' ? 200 : 500;
    rows.push({ id: `${cell}-u${units}-e${embedding}-t${length}-b${batch}`, cell, units, embedding, length, batch });
  };
  for (const cell of cells) for (const units of unitsList) row(cell, units, 128);
  if (cells.includes('lstm')) for (const batch of batches) row('lstm', 128, batch);
  return rows;
}

/** The row as a bench case (bench/cases.json's format), for run-bench.ts and keras_bench.py alike. */
function benchCase(/** @type {SweepRow} */ r) {
  const inner = { className: CLASS[r.cell], config: { units: r.units } };
  return {
    id: r.id,
    title: r.id,
    input: 'tokens',
    vocabSize: 10000,
    loss: 'binaryCrossentropy',
    sizes: { sweep: { samples, length: r.length } },
    layers: [
      { className: 'Embedding', config: { inputDim: 10000, outputDim: r.embedding } },
      r.cell === 'bilstm' ? { className: 'Bidirectional', config: { mergeMode: 'concat' }, layer: inner } : inner,
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
  };
}

/** Training FLOP per epoch, by the formula in the header. */
function flopPerEpoch(/** @type {SweepRow} */ r) {
  const d = r.cell === 'bilstm' ? 2 : 1;
  return 6 * samples * r.length * GATES[r.cell] * r.units * (r.embedding + r.units) * d;
}

/**
 * One side's run, as `{ result }` or `{ error }`: a 512-unit row takes minutes a side, so only an hour's silence kills it.
 * @param {string} cmd @param {string[]} args @param {NodeJS.ProcessEnv} env @param {string} tag
 */
async function run(cmd, args, env, tag) {
  const r = resultLine(await runChild(cmd, args, { cwd: root, timeoutS: 3600, env }), tag);
  return r.error ? { error: /** @type {string} */ (r.error) } : { result: r };
}

// A Haswell OPENBLAS_CORETYPE (exported in some environments) halves OpenBLAS on AVX-512 cores: the probe and
// Keras run without it, as on a user's machine.
/** @type {NodeJS.ProcessEnv} */
const pythonEnv = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' };
delete pythonEnv.OPENBLAS_CORETYPE;

async function gemmProbe() {
  const r = await run(kerasPython, [join(here, 'gemm_probe.py')], pythonEnv, 'GEMM_RESULT');
  return r.result ?? { error: r.error };
}

/** @param {SweepRow} row @param {string} side */
async function runSide(row, side) {
  const caseJson = JSON.stringify(benchCase(row));
  const common = ['--case-json', caseJson, '--profile', 'sweep', '--epochs', String(epochs)];
  const batch = ['--batch-size', String(row.batch)];
  if (side === 'keras')
    return run(kerasPython, [join(here, 'keras_bench.py'), ...common, ...batch], pythonEnv, 'BENCH_RESULT');
  const env = { ...process.env, NODE_OPTIONS: '', RNN_STUDIO_KERNELS: side === 'native' ? 'native' : 'wasm' };
  const script = ['--import', 'tsx', join(here, 'run-bench.ts'), '--backend', 'wasm', ...common, ...batch];
  return run(process.execPath, script, env, 'BENCH_RESULT');
}

const fmt = (/** @type {number} */ x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');

/** One line per provider: ours/Keras against units, per cell (a small multiple per cell), as an SVG. */
function chartSvg(/** @type {SweepRow[]} */ rows, /** @type {(row: string, side: string) => number} */ ratio) {
  const w = 260,
    h = 200,
    pad = { l: 40, r: 10, t: 24, b: 30 };
  const colors = ['#1f77b4', '#d62728', '#2ca02c'];
  const sweepCells = cells.filter((c) => rows.some((r) => r.cell === c && r.batch === 128));
  const values = rows.flatMap((r) => providers.map((p) => ratio(r.id, p))).filter(Number.isFinite);
  const yMax = Math.max(2, ...values) * 1.05;
  const x = (/** @type {number} */ i) => pad.l + (i * (w - pad.l - pad.r)) / Math.max(1, unitsList.length - 1);
  const y = (/** @type {number} */ v) => pad.t + (1 - v / yMax) * (h - pad.t - pad.b);
  const panels = sweepCells.map((cell, k) => {
    const ticks = [0.5, 1, 1.5, 2, 3, 4].filter((t) => t < yMax);
    const lines = providers.map((p, j) => {
      const pts = unitsList
        .map((u, i) => [
          x(i),
          y(ratio(`${cell}-u${u}-e${Math.min(128, Math.max(32, u))}-t${cell === 'bilstm' ? 200 : 500}-b128`, p)),
        ])
        .filter(([, v]) => Number.isFinite(v));
      return `<polyline fill="none" stroke="${colors[j]}" stroke-width="2" points="${pts.map((q) => q.join(',')).join(' ')}"/>`;
    });
    return `<g transform="translate(${k * w},0)"><text x="${w / 2}" y="14" text-anchor="middle" font-size="12">${CLASS[cell]}${cell === 'bilstm' ? ' (Bidirectional)' : ''}</text>
${ticks.map((t) => `<line x1="${pad.l}" x2="${w - pad.r}" y1="${y(t)}" y2="${y(t)}" stroke="${t === 1 ? '#555' : '#ddd'}"/><text x="${pad.l - 4}" y="${y(t) + 4}" text-anchor="end" font-size="10">${t}</text>`).join('\n')}
${unitsList.map((u, i) => `<text x="${x(i)}" y="${h - pad.b + 14}" text-anchor="middle" font-size="10">${u}</text>`).join('\n')}
${lines.join('\n')}</g>`;
  });
  const legend = providers
    .map(
      (p, j) =>
        `<text x="${10 + j * 160}" y="${h + 14}" font-size="11" fill="${colors[j]}">■ ours (${p}) / Keras 3</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w * sweepCells.length}" height="${h + 22}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>${panels.join('\n')}
<text x="${(w * sweepCells.length) / 2}" y="${h - 4}" text-anchor="middle" font-size="10">units (batch 128)</text>${legend}</svg>\n`;
}

async function main() {
  if (!existsSync(kerasPython))
    throw new Error(`${kerasPython} is missing: npm run test:interop creates .venv-interop/ (Keras 3)`);
  const rows = sweepRows();
  const sides = ['keras', ...providers];
  const t0 = performance.now();
  const clock = () => `[${Math.round((performance.now() - t0) / 1000)} s]`;
  /** @type {Sample[]} */
  const samplesOut = [];
  const gemm = [await gemmProbe()];
  console.log(`${clock()} GEMM probe: ${fmt(gemm[0].gflops, 0)} GFLOP/s (${gemm[0].blas ?? gemm[0].error})`);
  const total = rounds * rows.length * sides.length;
  let done = 0;
  for (let round = 0; round < rounds; round++)
    for (const [i, row] of rows.entries())
      // Alternating the sides' order per row keeps a slow spell of the shared machine from always hitting one side.
      for (const side of (i + round) % 2 ? [...sides].reverse() : sides) {
        const load = Math.round((os.loadavg()[0] ?? 0) * 10) / 10;
        const r = await runSide(row, side);
        samplesOut.push({ row: row.id, side, round, load, ...r });
        done++;
        const eta = ((performance.now() - t0) / done) * (total - done);
        console.log(
          `${clock()} ${done}/${total} ${row.id} ${side}: ${r.result ? `${fmt(r.result.secondsPerEpoch)} s/epoch` : r.error} (ETA ${Math.round(eta / 1000)} s)`,
        );
      }
  gemm.push(await gemmProbe());
  const peak = Math.max(...gemm.map((g) => g.gflops ?? 0));
  const secs = (/** @type {string} */ row, /** @type {string} */ side) =>
    median(
      samplesOut
        .filter((s) => s.row === row && s.side === side && s.result)
        .map((s) => s.result?.secondsPerEpoch ?? NaN),
    );
  const rss = (/** @type {string} */ row, /** @type {string} */ side) =>
    Math.max(
      ...samplesOut.filter((s) => s.row === row && s.side === side && s.result).map((s) => s.result?.maxRssMB ?? 0),
    );
  const ratio = (/** @type {string} */ row, /** @type {string} */ side) => secs(row, side) / secs(row, 'keras');
  const info = (/** @type {string} */ side) => samplesOut.find((s) => s.side === side && s.result)?.result;
  const loads = samplesOut.map((x) => x.load);
  const lines = [
    `# Size sweep — ${new Date().toISOString().slice(0, 10)}`,
    '',
    `${os.cpus()[0]?.model ?? 'CPU'}, ${os.availableParallelism()} cores, 1-minute load average ${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)} over the runs; ` +
      `${samples} samples an epoch, median of ${rounds} round(s) × ${epochs} timed epoch(s) after a warm-up epoch; rmsprop; tokens of a 10,000-word vocabulary.`,
    '',
    `- Keras: ${info('keras')?.backendDetail ?? '–'} (TensorFlow's default threads).`,
    ...providers.map((p) => `- Ours (${p}): ${info(p)?.kernels ?? '–'}.`),
    `- Peak: NumPy's ${gemm[0].blas ?? '?'} float32 GEMM, 2048³, all cores: ${gemm.map((g) => fmt(g.gflops, 0)).join(' / ')} GFLOP/s before / after; the share of peak uses the higher.`,
    '- FLOP per epoch = 6·N·T·G·U·(D + U)·directions (G gates: SimpleRNN 1, GRU 3, LSTM 4; D = embedding width; the elementwise passes, Embedding and Dense are not counted).',
    '- Ratio = ours / Keras in s/epoch (< 1: ours is faster).',
    '',
    `| row | units | emb | T | batch | Keras s/ep | Keras GFLOP/s | ${providers.map((p) => `${p} s/ep | ${p}/Keras | ${p} GFLOP/s (% peak)`).join(' | ')} | RSS MB Keras / ${providers.join(' / ')} |`,
    `|${'---|'.repeat(7 + providers.length * 3 + 1)}`,
  ];
  for (const r of rows) {
    const f = flopPerEpoch(r) / 1e9;
    const k = secs(r.id, 'keras');
    const ours = providers.map((p) => {
      const s = secs(r.id, p);
      return `${fmt(s)} | ${fmt(ratio(r.id, p))} | ${fmt(f / s, 0)} (${fmt((100 * f) / s / peak, 0)} %)`;
    });
    lines.push(
      `| ${CLASS[r.cell]}${r.cell === 'bilstm' ? ' (Bi)' : ''} | ${r.units} | ${r.embedding} | ${r.length} | ${r.batch} | ${fmt(k)} | ${fmt(f / k, 0)} | ${ours.join(' | ')} | ${sides.map((s) => fmt(rss(r.id, s), 0)).join(' / ')} |`,
    );
  }
  const geo = (/** @type {string} */ p) => {
    const xs = rows.map((r) => ratio(r.id, p)).filter(Number.isFinite);
    return Math.exp(xs.reduce((a, b) => a + Math.log(b), 0) / Math.max(1, xs.length));
  };
  lines.push(
    '',
    ...providers.map((p) => `Geometric mean of ours (${p}) / Keras over ${rows.length} rows: ${fmt(geo(p))}.`),
  );
  const failures = samplesOut.filter((s) => s.error);
  if (failures.length) lines.push('', 'Failed runs:', ...failures.map((s) => `- ${s.row} ${s.side}: ${s.error}`));
  lines.push('', `![ours / Keras 3 against units, one line per provider](${outName}.svg)`, '');
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${outName}.md`), lines.join('\n'));
  writeFileSync(join(dir, `${outName}.svg`), chartSvg(rows, ratio));
  writeFileSync(
    join(dir, `${outName}.json`),
    JSON.stringify({ samples, epochs, rounds, providers, rows, gemm, results: samplesOut }, null, 1),
  );
  console.log(lines.join('\n'));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
