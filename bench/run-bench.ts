/**
 * Our side of `npm run bench`: one case on one backend, in its own process, through the code path users get —
 * initBackend() → buildModel(spec) → train() with an ArraySource (our loop: per-layer gradient norms and the
 * metrics on every batch, one dataSync per batch). Prints one line `BENCH_RESULT {json}` on stdout (the contract
 * shared with bench/keras_bench.py); anything else goes to stderr.
 *
 *   node --import tsx bench/run-bench.ts --backend wasm --case imdb-lstm [--profile default]
 *        [--samples N] [--length L] [--epochs N] [--warmup N]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../main/training/backend.js';
import type { BackendPreference } from '../main/training/backend.js';
import type { RecurrencePath } from '../shared/worker-protocol.js';
import { kernelInfo } from '../main/training/kernels/index.js';
import { buildModel } from '../main/training/build-model.js';
import { train } from '../main/training/trainer.js';
import { ArraySource } from '../main/training/sources.js';
import { mulberry32, withSeededRandom } from '../main/training/seeded-random.js';
import { resolveTraining } from '../shared/model-spec.js';
import type { LayerSpec, LossName, ModelSpec } from '../shared/model-spec.js';

interface BenchCase {
  id: string;
  title: string;
  input: 'tokens' | 'floats';
  vocabSize?: number;
  features?: number;
  loss: LossName;
  sizes: Record<string, { samples: number; length: number }>;
  layers: LayerSpec[];
}
interface CasesFile {
  batchSize: number;
  learningRate: number;
  seed: number;
  profiles: Record<string, { epochs: number }>;
  cases: BenchCase[];
}

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    out[a.slice(2)] = argv[++i] ?? '';
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Random token ids in [0, vocab) or standard-normal floats, and random targets, from a fixed seed. */
function makeData(c: BenchCase, samples: number, length: number, seed: number): ArraySource {
  const random = mulberry32(seed);
  const y = new Float32Array(samples);
  if (c.input === 'tokens') {
    const x = new Int32Array(samples * length);
    for (let i = 0; i < x.length; i++) x[i] = Math.floor(random() * c.vocabSize!);
    for (let i = 0; i < samples; i++) y[i] = random() < 0.5 ? 0 : 1;
    return new ArraySource(x, [length], y, true);
  }
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const x = new Float32Array(samples * length * c.features!);
  for (let i = 0; i < x.length; i++) x[i] = normal();
  for (let i = 0; i < samples; i++) y[i] = normal();
  return new ArraySource(x, [length, c.features!], y, true);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const here = dirname(fileURLToPath(import.meta.url));
  const file = JSON.parse(readFileSync(join(here, 'cases.json'), 'utf8')) as CasesFile;
  const profile = args.profile ?? 'default';
  // The size sweep (bench/sweep.mjs) generates its cases: one arrives whole, with its sizes for a 'sweep' profile.
  const c = args['case-json']
    ? (JSON.parse(args['case-json']) as BenchCase)
    : file.cases.find((x) => x.id === args.case);
  if (!c) throw new Error(`unknown case ${args.case}; cases: ${file.cases.map((x) => x.id).join(', ')}`);
  const size = c.sizes[profile];
  if (!size || !(file.profiles[profile] || args.epochs)) throw new Error(`unknown profile ${profile}`);
  const samples = Number(args.samples ?? size.samples);
  const length = Number(args.length ?? size.length);
  const epochs = Number(args.epochs ?? file.profiles[profile]?.epochs);
  const warmup = Number(args.warmup ?? 1);

  const backend = await initBackend((args.backend ?? 'wasm') as BackendPreference);
  const spec: ModelSpec = {
    format: 1,
    name: `bench-${c.id}`,
    input:
      c.input === 'tokens'
        ? { kind: 'tokens', vocabSize: c.vocabSize!, length }
        : { kind: 'floats', timesteps: length, features: c.features! },
    layers: c.layers,
    training: {
      optimizer: 'rmsprop',
      learningRate: file.learningRate,
      loss: c.loss,
      batchSize: Number(args['batch-size'] ?? file.batchSize),
      epochs: warmup + epochs,
      earlyStopping: null,
      seed: file.seed,
      shuffle: true,
    },
  };
  const training = resolveTraining(spec);
  const data = makeData(c, samples, length, file.seed);
  const seconds: number[] = [];
  const numTensors: number[] = [];
  const losses: number[] = [];
  // CPU time (user + system, all threads of this process) per epoch: less sensitive than wall time to other work on the machine.
  const cpuSeconds: number[] = [];
  let cpuMark = process.cpuUsage();
  let params = 0;
  let recurrence: RecurrencePath[] = [];
  const started = performance.now();
  const result = await withSeededRandom(training.seed, async () => {
    const { model, analysis, recurrence: paths } = buildModel(spec);
    params = analysis.totalParams;
    recurrence = paths;
    cpuMark = process.cpuUsage();
    try {
      return await train(model, { train: data, val: null }, training, {
        onEpoch: (r) => {
          const cpu = process.cpuUsage(cpuMark);
          cpuMark = process.cpuUsage();
          cpuSeconds.push((cpu.user + cpu.system) / 1e6);
          seconds.push(r.seconds);
          numTensors.push(r.numTensors);
          losses.push(r.logs.loss ?? NaN);
          process.stderr.write(
            `  ${backend.name} ${c.id} epoch ${r.epoch + 1}/${training.epochs}: ${r.seconds.toFixed(2)} s, loss ${(r.logs.loss ?? NaN).toFixed(4)}, numTensors ${r.numTensors}\n`,
          );
        },
      });
    } finally {
      model.dispose();
    }
  });
  if (result.status !== 'completed') throw new Error(`training ended ${result.status}: ${result.reason}`);
  const timed = seconds.slice(warmup);
  // Change of tf.memory().numTensors from one epoch end to the next, from the warm-up epoch on (0 = no leak).
  const drift =
    numTensors.length > 1 ? (numTensors[numTensors.length - 1]! - numTensors[0]!) / (numTensors.length - 1) : 0;
  const out = {
    side: 'ours',
    backend: backend.name,
    backendDetail: backend.detail,
    versions: { tfjs: backend.tfjsVersion, tfjsNode: backend.nativeVersion ?? null, node: process.version },
    threads:
      backend.name === 'wasm'
        ? '1 (wasm: single-threaded in Node)'
        : backend.name === 'cpu'
          ? '1 (JavaScript)'
          : 'TensorFlow default (all cores)',
    // Which recurrent layers ran on the fused kernels, on how many threads, with which build.
    fused: recurrence.length > 0 && recurrence.every((p) => p.fused),
    recurrence,
    kernelThreads: recurrence.some((p) => p.fused) ? (kernelInfo()?.threads ?? null) : null,
    kernels: recurrence.some((p) => p.fused) ? (kernelInfo()?.label ?? null) : null,
    case: c.id,
    profile,
    samples,
    length,
    batchSize: training.batchSize,
    stepsPerEpoch: Math.ceil(samples / training.batchSize),
    params,
    warmupSeconds: seconds.slice(0, warmup),
    epochSeconds: timed,
    secondsPerEpoch: median(timed),
    epochCpuSeconds: cpuSeconds.slice(warmup),
    cpuSecondsPerEpoch: median(cpuSeconds.slice(warmup)),
    losses,
    numTensors,
    numTensorsDriftPerEpoch: drift,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    totalSeconds: (performance.now() - started) / 1000,
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
