#!/usr/bin/env node
// @ts-check
// `npm run bench`: the same models, data shapes and batch size in Keras (TensorFlow CPU from PyPI, in .venv/) and
// in our engine on every backend available, interleaved case by case, each run in its own process.
//
//   node bench/bench.mjs [--quick | --full] [--cases a,b] [--backends wasm,cpu,tensorflow] [--epochs N]
//                        [--rounds R] [--keras-threads 0,1] [--no-keras] [--op-by-op] [--out NAME]
//   node bench/bench.mjs --sizes [sweep options]   (the size sweep against Keras 3: see bench/sweep.mjs)
// --rounds R runs the whole interleaved sequence R times (default 1) and reports, per row, the median over the
// rounds, with the range of the per-round ratios: on a shared machine the speed drifts by tens of percent within
// minutes, and alternating the sides R times keeps one slow spell from deciding a ratio.
// --op-by-op adds, per case, our engine on wasm with the fused recurrent kernels turned off (RNN_STUDIO_FUSED=0):
// TF.js's own timestep-by-timestep RNN, the speed before the kernels existed.
//
// Profiles (bench/cases.json): default = the issue's per-step shapes (length 500 / 240 steps, batch 128) on 512
// samples, 3 timed epochs, Keras with default threads and with 1 thread (≈ 5 min on 2 cores); --full = the
// issue's sizes (2,000 / 2,048 samples), 3 timed epochs; --quick = a CI smoke test (short sequences, < 2 min).
// Every side trains one warm-up epoch first. Writes bench/results/latest.{json,md} (--quick: quick.{json,md}) and
// prints the table.
import { spawnSync } from 'node:child_process';
import { median, resultLine, runChild as runChildIn } from './children.mjs';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {'quick' | 'default' | 'full'} ProfileName
 * @typedef {{ profile: ProfileName; keras: boolean; cases?: string[]; backends?: string[]; epochs?: number; rounds?: number;
 *   kerasThreads?: number[]; opByOp?: boolean; out?: string; render?: string }} Options
 * @typedef {{ id: string; title: string; loss: string; cpu?: boolean; sizes: Record<ProfileName, { samples: number; length: number }> }} BenchCase
 * @typedef {{ batchSize: number; learningRate: number; profiles: Record<ProfileName, { epochs: number; kerasThreads: number[] }>;
 *   cases: BenchCase[] }} CasesFile
 * @typedef {import('./children.mjs').ChildResult} ChildResult
 * A `BENCH_RESULT` line of either side (run-bench.ts, keras_bench.py), or `error` when the run failed; then the
 * fields the driver adds, and the ratios the report adds to our rows.
 * @typedef {{ error?: string; secondsPerEpoch: number; cpuSecondsPerEpoch: number; epochSeconds: number[]; warmupSeconds: number[];
 *   maxRssMB: number; numTensorsDriftPerEpoch: number | null; params: number; samples: number; length: number; stepsPerEpoch: number;
 *   backendDetail: string; kernels?: string | null; kernelThreads?: number | null; fused?: boolean;
 *   versions: { tfjs?: string; tfjsNode?: string | null; tensorflow?: string; keras?: string; numpy?: string; python?: string } }} Measured
 * @typedef {Measured & { case: string; side: 'keras' | 'ours'; label: string; loadBefore: number; round: number; threadSetting?: number;
 *   backend?: string; opByOp?: boolean; roundSeconds?: number[]; ratios?: Record<string, number | null>;
 *   roundRatios?: Record<string, number[] | null>; cpuRatios?: Record<string, number | null> }} Row
 * @typedef {ReturnType<typeof machine> & { loadAverageAtEnd?: number[] }} MachineInfo
 * @typedef {{ profileName: ProfileName; epochs: number; rounds?: number; kerasThreads: number[]; hasNative: boolean; caseIds: string[];
 *   machine: MachineInfo; results: Row[] }} BenchRun
 */

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const venv = join(root, '.venv');
const python = join(venv, 'bin', 'python');
/** @type {CasesFile} */
const casesFile = JSON.parse(readFileSync(join(here, 'cases.json'), 'utf8'));
const t0 = performance.now();

// ---------- arguments ----------
/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {Options} */
  const o = { profile: 'default', keras: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') o.profile = 'quick';
    else if (a === '--full') o.profile = 'full';
    else if (a === '--cases') o.cases = next().split(',');
    else if (a === '--backends') o.backends = next().split(',');
    else if (a === '--epochs') o.epochs = Number(next());
    else if (a === '--rounds') o.rounds = Number(next());
    else if (a === '--keras-threads') o.kerasThreads = next().split(',').map(Number);
    else if (a === '--no-keras') o.keras = false;
    else if (a === '--op-by-op') o.opByOp = true;
    else if (a === '--out') o.out = next();
    else if (a === '--render') o.render = next();
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  return o;
}
/**
 * @param {string} [error]
 * @returns {never}
 */
function usage(error) {
  const text =
    'usage: npm run bench -- [--quick | --full] [--cases a,b] [--backends wasm,cpu,tensorflow] [--epochs N] [--rounds R] [--keras-threads 0,1] [--no-keras] [--op-by-op] [--out NAME] | --render results/X.json';
  if (error) {
    console.error(`${error}\n${text}`);
    process.exit(2);
  }
  console.log(text);
  process.exit(0);
}
// --sizes is the size sweep (issue #16): its own driver, bench/sweep.mjs, with the remaining arguments.
if (process.argv.includes('--sizes')) {
  const sweep = spawnSync(
    process.execPath,
    [join(here, 'sweep.mjs'), ...process.argv.slice(2).filter((a) => a !== '--sizes')],
    {
      stdio: 'inherit',
    },
  );
  process.exit(sweep.status ?? 1);
}
const opts = parseArgs(process.argv.slice(2));
const profile = casesFile.profiles[opts.profile];
const epochs = opts.epochs ?? profile.epochs;
if (!Number.isInteger(epochs) || epochs < 1) usage('--epochs must be a whole number ≥ 1');
const rounds = opts.rounds ?? 1;
if (!Number.isInteger(rounds) || rounds < 1) usage('--rounds must be a whole number ≥ 1');
const kerasThreads = opts.kerasThreads ?? profile.kerasThreads;
if (kerasThreads.some((/** @type {number} */ t) => !Number.isInteger(t) || t < 0))
  usage('--keras-threads takes whole numbers ≥ 0 (0 = TensorFlow defaults)');
const cases = opts.cases
  ? opts.cases.map((id) => casesFile.cases.find((c) => c.id === id) ?? usage(`unknown case ${id}`))
  : casesFile.cases;
const childTimeoutS = { quick: 300, default: 900, full: 3600 }[opts.profile];

// ---------- helpers ----------
const clock = () => {
  const s = Math.round((performance.now() - t0) / 1000);
  return `[${String(Math.floor(s / 60)).padStart(2, ' ')}:${String(s % 60).padStart(2, '0')}]`;
};
const log = (/** @type {string} */ msg) => console.log(`${clock()} ${msg}`);
const threadLabel = (/** @type {number} */ n) =>
  n === 0 ? `${os.availableParallelism()} threads (TF default)` : `${n} thread${n === 1 ? '' : 's'}`;

/**
 * A child of this run, from the repository's root, killed after the profile's timeout unless told otherwise.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ timeoutS?: number; env?: NodeJS.ProcessEnv; echo?: boolean }} [options]
 * @returns {Promise<ChildResult>}
 */
const runChild = (cmd, args, { timeoutS = childTimeoutS, ...rest } = {}) =>
  runChildIn(cmd, args, { cwd: root, timeoutS, ...rest });

/**
 * @param {ChildResult} r
 * @returns {Measured}
 */
const parseResult = (r) => resultLine(r, 'BENCH_RESULT');

// ---------- the Keras environment ----------
function pinnedRequirements() {
  return readFileSync(join(here, 'requirements.txt'), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((l) => l.split('=='));
}
function venvIsReady() {
  if (!existsSync(python)) return false;
  const check = pinnedRequirements()
    .map(([n, v]) => `assert version(${JSON.stringify(n)}) == ${JSON.stringify(v)}, ${JSON.stringify(n)}`)
    .join('\n');
  const r = spawnSync(python, ['-c', `from importlib.metadata import version\n${check}`], { encoding: 'utf8' });
  return r.status === 0;
}
async function ensureVenv() {
  if (venvIsReady()) return true;
  if (!existsSync(python)) {
    log(`creating ${relative(root, venv)}/ (python3 -m venv)`);
    const r = await runChild('python3', ['-m', 'venv', venv], { timeoutS: 300 });
    if (r.code !== 0) {
      log(`python3 -m venv failed: ${r.stderr.trim().split('\n').pop()}`);
      return false;
    }
  }
  // `npm run setup:native-tf` caches the tensorflow-cpu wheel here: reuse it instead of downloading it again.
  const wheels = join(os.homedir(), '.cache', 'rnn-studio', 'wheels');
  const findLinks = existsSync(wheels) ? ['--find-links', wheels] : [];
  log(`installing bench/requirements.txt into ${relative(root, venv)}/ (TensorFlow CPU ≈ 210 MB download, ≈ 1 min)`);
  const r = await runChild(
    join(venv, 'bin', 'pip'),
    ['install', '--disable-pip-version-check', '-q', ...findLinks, '-r', join(here, 'requirements.txt')],
    { timeoutS: 1800, echo: true },
  );
  if (r.code !== 0 || !venvIsReady()) {
    log('pip install failed; the Keras columns stay empty');
    return false;
  }
  return true;
}

// ---------- which backends ----------
function nativeInstalled() {
  try {
    createRequire(join(root, 'package.json')).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}
const hasNative = nativeInstalled();
const backends = opts.backends ?? ['wasm', 'cpu', ...(hasNative ? ['tensorflow'] : [])];

// ---------- the machine ----------
function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const flags = /^flags\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.split(' ') ?? [];
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  return {
    cpuModel,
    cpuFeatures: ['avx2', 'avx512f', 'fma'].filter((f) => flags.includes(f)),
    cores: os.availableParallelism(),
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    openblasEnv: {
      OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE ?? null,
      OPENBLAS_L2_SIZE: process.env.OPENBLAS_L2_SIZE ?? null,
    },
    commit: git.status === 0 ? git.stdout.trim() : null,
    date: new Date().toISOString(),
  };
}

// ---------- the report ----------

/**
 * One row per case × engine from the rounds' results: s/epoch and CPU s/epoch are the medians over the rounds (each
 * round's own value is the median of its epochs), kept per round in `roundSeconds` so that the report can pair each
 * round of ours with the same round of Keras. A row with a failed round reports the failure.
 */
/**
 * @param {Row[]} all
 * @returns {Row[]}
 */
function mergeRounds(all) {
  const key = (/** @type {Row} */ r) => [r.case, r.side, r.threadSetting, r.backend, r.opByOp].join('|');
  /** @type {Map<string, Row[]>} */
  const groups = new Map();
  for (const r of all) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  return [...groups.values()].map((rs) => {
    const failed = rs.find((r) => r.error);
    const [first] = rs;
    if (failed || !first || rs.length === 1) return failed ?? /** @type {Row} */ (first);
    return {
      ...first,
      secondsPerEpoch: median(rs.map((r) => r.secondsPerEpoch)),
      cpuSecondsPerEpoch: median(rs.map((r) => r.cpuSecondsPerEpoch)),
      epochSeconds: rs.flatMap((r) => r.epochSeconds),
      roundSeconds: rs.map((r) => r.secondsPerEpoch),
      maxRssMB: Math.max(...rs.map((r) => r.maxRssMB)),
      numTensorsDriftPerEpoch: rs.some((r) => r.numTensorsDriftPerEpoch === null)
        ? null
        : Math.max(...rs.map((r) => Math.abs(r.numTensorsDriftPerEpoch ?? 0))),
      loadBefore: Math.max(...rs.map((r) => r.loadBefore)),
    };
  });
}

/** The markdown report (and the versions / notes for the JSON) from one run's results; `--render` reuses it. */
/** @param {BenchRun} run */
function renderReport({ profileName, epochs, rounds = 1, kerasThreads, hasNative, caseIds, machine: info, results }) {
  const cases = caseIds.flatMap((id) => casesFile.cases.filter((c) => c.id === id));
  const threadLabel = (/** @type {number} */ n) =>
    n === 0 ? `${info.cores} threads (TF default)` : `${n} thread${n === 1 ? '' : 's'}`;
  const ok = results.filter((r) => !r.error);
  const kerasOf = (/** @type {string} */ caseId, /** @type {number} */ threads) =>
    ok.find((r) => r.side === 'keras' && r.case === caseId && r.threadSetting === threads);
  const firstKeras = ok.find((r) => r.side === 'keras');
  const firstOurs = ok.find((r) => r.side === 'ours');
  const nativeRun = ok.find((r) => r.backend === 'tensorflow');
  const versions = {
    node: process.version,
    tfjs: firstOurs?.versions.tfjs ?? null,
    tfjsNode: nativeRun?.versions.tfjsNode ?? null,
    tensorflow: firstKeras?.versions.tensorflow ?? null,
    keras: firstKeras?.versions.keras ?? null,
    numpy: firstKeras?.versions.numpy ?? null,
    python: firstKeras?.versions.python ?? null,
  };
  /** @type {string[]} */
  const notes = [];
  for (const c of cases) {
    const params = new Set(ok.filter((r) => r.case === c.id).map((r) => r.params));
    if (params.size > 1)
      notes.push(
        `${c.id}: parameter counts differ between sides (${[...params].join(' vs ')}) — the models are not the same.`,
      );
  }
  for (const r of results.filter((x) => x.error)) notes.push(`${r.case}, ${r.label}: ${r.error}`);
  const ratioCols = kerasThreads;
  for (const r of ok) {
    if (r.side !== 'ours') continue;
    r.ratios = Object.fromEntries(
      ratioCols.map((t) => {
        const k = kerasOf(r.case, t);
        return [String(t), k ? r.secondsPerEpoch / k.secondsPerEpoch : null];
      }),
    );
    // Round i of ours against round i of the same Keras row: how far one round's verdict can stray.
    r.roundRatios = Object.fromEntries(
      ratioCols.map((t) => {
        const k = kerasOf(r.case, t);
        const theirs = k?.roundSeconds;
        return [String(t), theirs && r.roundSeconds ? r.roundSeconds.map((x, i) => x / (theirs[i] ?? NaN)) : null];
      }),
    );
    r.cpuRatios = Object.fromEntries(
      ratioCols.map((t) => {
        const k = kerasOf(r.case, t);
        return [String(t), k ? r.cpuSecondsPerEpoch / k.cpuSecondsPerEpoch : null];
      }),
    );
  }

  const ourEngine = (/** @type {Row} */ r) => {
    const base = `ours, ${r.backend}${r.backend === 'cpu' ? ' (JS)' : ''}`;
    if (r.opByOp || r.fused === false) return `${base}, TF.js op-by-op RNN`;
    return r.kernelThreads
      ? `${base} + fused kernels (${r.kernelThreads} thread${r.kernelThreads === 1 ? '' : 's'})`
      : base;
  };
  const fmt = (/** @type {number | null | undefined} */ x, d = 2) =>
    x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d);
  /** @type {string[]} */
  const lines = [];
  const m = info;
  lines.push(`# RNN Studio benchmark — ours vs Keras (profile \`${profileName}\`)`);
  lines.push('');
  lines.push(
    `Machine: ${m.cpuModel} (${m.cpuFeatures.join(', ') || 'no AVX2'}), ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.os}. ` +
      `Node ${versions.node}, tfjs ${versions.tfjs ?? '–'}${versions.tfjsNode ? `, tfjs-node ${versions.tfjsNode}` : ''}; ` +
      `Python ${versions.python ?? '–'}, TensorFlow ${versions.tensorflow ?? '–'} (tensorflow-cpu), Keras ${versions.keras ?? '–'}. ` +
      `${m.date.slice(0, 16).replace('T', ' ')} UTC, commit ${m.commit ?? '–'}, load average at start ${m.loadAverageAtStart.join(' / ')}, at end ${m.loadAverageAtEnd?.join(' / ') ?? '–'} (1 / 5 / 15 min).`,
  );
  lines.push('');
  lines.push(
    `Seconds per epoch: median of ${epochs} timed epoch(s) after 1 warm-up epoch${rounds > 1 ? `, then the median over ${rounds} rounds (the whole sequence of runs repeated; the ratio's range over the rounds in brackets)` : ''}; batch ${casesFile.batchSize}, rmsprop lr ${casesFile.learningRate}; ` +
      `samples × sequence length per case as shown. Ratio = ours / Keras (< 1: ours is faster), from wall-clock s/epoch. CPU s/epoch = CPU time of the whole process (user + system, all threads) per epoch: it barely moves when other work shares the cores, so compare it when the load was high; our kernel threads and Keras's default thread pools both use every core, the "1 thread" Keras rows one. Peak RSS = the process's max resident set ` +
      `(Node \`process.resourceUsage().maxRSS\`, Python \`resource.getrusage\`). numTensors drift = change of \`tf.memory().numTensors\` per epoch (0: no leak).`,
  );
  lines.push('');
  const head = [
    'case',
    'samples × length',
    'engine',
    's/epoch',
    'ms/step',
    'CPU s/epoch',
    ...ratioCols.map(
      (t) => `ours/Keras (${t === 0 ? 'Keras default threads' : `Keras ${t} thread${t === 1 ? '' : 's'}`})`,
    ),
    'peak RSS MB',
    'numTensors drift/epoch',
    'params',
  ];
  lines.push(`| ${head.join(' | ')} |`);
  lines.push(`|${head.map(() => '---').join('|')}|`);
  // Rows grouped per case: the Keras rows, then ours (the run itself interleaves them).
  const rank = (/** @type {Row} */ r) =>
    r.side === 'keras'
      ? r.threadSetting === 0
        ? -1
        : (r.threadSetting ?? 0)
      : 1000 + ['wasm', 'cpu', 'tensorflow'].indexOf(r.backend ?? '') * 2 + (r.opByOp ? 1 : 0);
  const rows = cases.flatMap((c) => results.filter((r) => r.case === c.id).sort((a, b) => rank(a) - rank(b)));
  for (const r of rows) {
    const size = casesFile.cases.find((x) => x.id === r.case)?.sizes[profileName] ?? { samples: '?', length: '?' };
    const engine = r.side === 'keras' ? `Keras, ${threadLabel(r.threadSetting ?? 0)}` : ourEngine(r);
    if (r.error) {
      lines.push(
        `| ${r.case} | ${size.samples} × ${size.length} | ${engine} | failed | – | – | ${ratioCols.map(() => '–').join(' | ')} | – | – | – |`,
      );
      continue;
    }
    const spread = (/** @type {number} */ t) => {
      const rr = r.roundRatios?.[String(t)];
      return rr ? ` (${fmt(Math.min(...rr))}–${fmt(Math.max(...rr))})` : '';
    };
    const ratios = ratioCols.map((t) => (r.side === 'ours' ? `**${fmt(r.ratios?.[String(t)])}**${spread(t)}` : '–'));
    lines.push(
      `| ${r.case} | ${r.samples} × ${r.length} | ${engine} | ${fmt(r.secondsPerEpoch)} | ${Math.round((r.secondsPerEpoch / r.stepsPerEpoch) * 1000)} | ${fmt(r.cpuSecondsPerEpoch)} | ${ratios.join(' | ')} | ${Math.round(r.maxRssMB)} | ${r.numTensorsDriftPerEpoch ?? '–'} | ${r.params.toLocaleString('en-US')} |`,
    );
  }
  lines.push('');
  for (const b of ['wasm', 'cpu', 'tensorflow']) {
    for (const opByOp of [false, true]) {
      for (const t of ratioCols) {
        const mine = ok.filter((r) => r.backend === b && !!r.opByOp === opByOp);
        const rs = mine.flatMap((r) => r.ratios?.[String(t)] ?? []);
        if (rs.length === 0) continue;
        const geo = Math.exp(rs.reduce((a, x) => a + Math.log(x), 0) / rs.length);
        const cs = mine.flatMap((r) => r.cpuRatios?.[String(t)] ?? []);
        const cgeo = Math.exp(cs.reduce((a, x) => a + Math.log(x), 0) / cs.length);
        const span = (/** @type {number[]} */ xs, /** @type {number} */ g) =>
          xs.length === 1
            ? `${fmt(xs[0], 2)}×`
            : `${fmt(Math.min(...xs), 2)}–${fmt(Math.max(...xs), 2)}× (geometric mean ${fmt(g, 2)}×)`;
        lines.push(
          `Ours on ${b}${opByOp ? " with TF.js's op-by-op RNN" : ''} vs Keras with ${threadLabel(t)}: ${span(rs, geo)} wall time, ${span(cs, cgeo)} CPU time, ${rs.length} case${rs.length === 1 ? '' : 's'}.  `,
        );
      }
    }
  }
  lines.push('');
  lines.push('Cases:');
  for (const c of cases)
    lines.push(`- \`${c.id}\`: ${c.title}${c.loss === 'meanAbsoluteError' ? '' : ', binary crossentropy + accuracy'}.`);
  lines.push('');
  lines.push('What each side runs:');
  lines.push(
    `- Keras: \`model.fit(x, y, batch_size=${casesFile.batchSize}, epochs=1, verbose=0)\` per epoch, timed with \`time.perf_counter()\`; ` +
      'LSTM `recurrent_activation="sigmoid"`, `unit_forget_bias=True`; GRU `reset_after` as the case says (default True, as in Keras 3 and our catalog), `recurrent_activation="sigmoid"` (what our engine builds). ' +
      `Threads: TensorFlow's defaults (intra/inter-op pools sized to the ${m.cores} cores)${kerasThreads.includes(1) ? ' and, as a separate row, both pools set to 1' : ''}; oneDNN ops ${firstKeras?.backendDetail.includes('oneDNN on') ? "on (TensorFlow's default)" : 'off'}.`,
  );
  const fusedRow = ok.find((r) => r.side === 'ours' && r.kernels);
  lines.push(
    '- Ours: `buildModel(spec)` + `train()` with an `ArraySource`, the path users get: our own loop computes the loss, the metrics and the ' +
      'L2 gradient norm of every layer on every batch and reads them back (one `dataSync` per batch). Recurrent layers run on our fused kernels ' +
      `(main/training/kernels/: ${fusedRow ? `${fusedRow.kernels}, slices of each batch shared by ${fusedRow.kernelThreads} thread${fusedRow.kernelThreads === 1 ? '' : 's'}` : 'not used in this run'}); ` +
      'the other ops (Embedding, Dense, loss, optimizer) run on the named TF.js backend: wasm is single-threaded in Node, cpu is plain JavaScript ' +
      '(run for the SimpleRNN case only, to keep the run short)' +
      (hasNative
        ? '; tensorflow is native TensorFlow through @tensorflow/tfjs-node (oneDNN off unless TF_ENABLE_ONEDNN_OPTS is set).'
        : '; tensorflow (native) was not run: @tensorflow/tfjs-node is not installed (`npm run setup:native-tf`).') +
      (results.some((r) => r.opByOp)
        ? ' "TF.js op-by-op RNN" rows turn the fused kernels off (RNN_STUDIO_FUSED=0): TF.js runs each timestep as separate ops.'
        : ''),
  );
  lines.push(
    '- Data: random token ids in [0, 10000) / standard-normal floats and random targets from a fixed seed (each side its own generator: same shapes and distributions, not the same values).',
  );
  const stepLoads = results.map((r) => r.loadBefore);
  const loadRange = `${Math.min(...stepLoads)}–${Math.max(...stepLoads)}`;
  lines.push(
    `- Machine load: 1-minute load average ${m.loadAverageAtStart[0]} at the start, ${loadRange} before the steps (the bench itself adds ≈ 1 while it runs).`,
  );
  if ((m.loadAverageAtStart[0] ?? 0) > 0.7 || Math.max(...stepLoads) > 1.7)
    lines.push(
      '- **Note: other work was running on the machine** (load above what the bench itself causes): timings may be inflated, and the Keras rows with 2 threads suffer most.',
    );
  if (m.openblasEnv.OPENBLAS_CORETYPE)
    lines.push(
      `- OPENBLAS_CORETYPE=${m.openblasEnv.OPENBLAS_CORETYPE} was set (it affects NumPy, not TensorFlow's kernels).`,
    );
  for (const n of notes) lines.push(`- ${n}`);
  const md = `${lines.join('\n')}\n`;
  return { md, versions, notes };
}

// ---------- the run ----------
if (opts.render) {
  // Re-renders the markdown of an earlier run (e.g. after a change to the report's wording) without running anything.
  const path = join(process.cwd(), opts.render);
  const saved = JSON.parse(readFileSync(path, 'utf8'));
  const { md } = renderReport(/** @type {BenchRun} */ (saved));
  writeFileSync(path.replace(/\.json$/, '.md'), md);
  console.log(md);
  process.exit(0);
}
/** @type {MachineInfo} */
const info = machine();
log(
  `bench profile "${opts.profile}": ${cases.length} cases, 1 warm-up + ${epochs} timed epoch(s), batch ${casesFile.batchSize}; ours on ${backends.join(', ')}${hasNative ? '' : ' (tensorflow: @tensorflow/tfjs-node not installed — `npm run setup:native-tf`)'}; Keras ${opts.keras ? `with ${kerasThreads.map(threadLabel).join(' and ')}` : 'skipped'}; load average ${info.loadAverageAtStart.join(' ')}`,
);
const kerasReady = opts.keras ? await ensureVenv() : false;

/** @type {{ case: BenchCase; side: 'keras' | 'ours'; threads?: number; backend?: string; opByOp?: boolean }[]} */
const steps = [];
for (const c of cases) {
  const kerasStep = (/** @type {number} */ threads) => ({ case: c, side: /** @type {const} */ ('keras'), threads });
  const ours = (/** @type {string} */ backend, opByOp = false) => ({
    case: c,
    side: /** @type {const} */ ('ours'),
    backend,
    opByOp,
  });
  if (kerasReady) steps.push(kerasStep(kerasThreads[0] ?? 0));
  if (backends.includes('wasm')) steps.push(ours('wasm'));
  if (opts.opByOp) steps.push(ours('wasm', true));
  if (kerasReady) for (const t of kerasThreads.slice(1)) steps.push(kerasStep(t));
  if (backends.includes('cpu') && c.cpu) steps.push(ours('cpu'));
  if (backends.includes('tensorflow')) steps.push(ours('tensorflow'));
}

/** @type {Row[]} */
const results = [];
const common = ['--profile', opts.profile, '--epochs', String(epochs)];
const schedule = Array.from({ length: rounds }, (_, round) => steps.map((s) => ({ ...s, round }))).flat();
for (const [i, s] of schedule.entries()) {
  const size = s.case.sizes[opts.profile];
  const label =
    s.side === 'keras'
      ? `Keras, ${threadLabel(s.threads ?? 0)}`
      : `ours, ${s.backend}${s.opByOp ? ', TF.js op-by-op RNN' : ''}`;
  const loadBefore = Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
  log(
    `(${i + 1}/${schedule.length}${rounds > 1 ? `, round ${s.round + 1}` : ''}) ${s.case.id} [${size.samples} × ${size.length}] — ${label} (load ${loadBefore}) …`,
  );
  const r =
    s.side === 'keras'
      ? await runChild(python, [
          join(here, 'keras_bench.py'),
          '--case',
          s.case.id,
          '--threads',
          String(s.threads),
          ...common,
        ])
      : await runChild(
          process.execPath,
          ['--import', 'tsx', join(here, 'run-bench.ts'), '--backend', s.backend ?? '', '--case', s.case.id, ...common],
          { env: { ...process.env, NODE_OPTIONS: '', ...(s.opByOp ? { RNN_STUDIO_FUSED: '0' } : {}) } },
        );
  const res = {
    ...parseResult(r),
    case: s.case.id,
    side: s.side,
    label,
    loadBefore,
    round: s.round,
    ...(s.side === 'keras' ? { threadSetting: s.threads } : { backend: s.backend, opByOp: s.opByOp }),
  };
  results.push(res);
  log(
    res.error
      ? `    failed: ${res.error}`
      : `    ${res.secondsPerEpoch.toFixed(2)} s/epoch (median of ${res.epochSeconds.length}; warm-up ${res.warmupSeconds[0]?.toFixed(2)} s), CPU ${res.cpuSecondsPerEpoch.toFixed(2)} s/epoch, peak RSS ${Math.round(res.maxRssMB)} MB${res.numTensorsDriftPerEpoch === null ? '' : `, numTensors drift ${res.numTensorsDriftPerEpoch}/epoch`}`,
  );
}
info.loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
const run = {
  profileName: opts.profile,
  epochs,
  rounds,
  kerasThreads,
  hasNative,
  caseIds: cases.map((c) => c.id),
  machine: info,
  results: mergeRounds(results),
};
const { md, versions, notes } = renderReport(run);

const outName = opts.out ?? (opts.profile === 'quick' ? 'quick' : 'latest');
const outDir = join(here, 'results');
mkdirSync(outDir, { recursive: true });
const json = {
  ...run,
  profile: opts.profile,
  epochsTimed: epochs,
  warmupEpochs: 1,
  batchSize: casesFile.batchSize,
  versions,
  backends,
  notes,
};
writeFileSync(join(outDir, `${outName}.json`), `${JSON.stringify(json, null, 2)}\n`);
writeFileSync(join(outDir, `${outName}.md`), md);
console.log('');
console.log(md);
log(`wrote ${relative(root, join(outDir, `${outName}.json`))} and ${outName}.md`);
process.exit(results.some((r) => r.error) ? 1 : 0);
