/**
 * The headless CLI: `rnn-studio train <spec.json>` and `rnn-studio summary <spec.json>`.
 * It drives the same training worker as the app and writes a run folder:
 *   spec.json, metrics.jsonl (one JSON object per batch and per epoch), summary.txt, model/ (TF.js layers format),
 *   preprocessing.json (tokenizer or normalisation, for predictions).
 */
import { readFileSync, statSync } from 'node:fs';
import { specialFileKind, specialFileMessage } from '../data/regular-file.js';

/** A spec is a few KB; a bigger file is not one (and is not read whole). */
const MAX_SPEC_BYTES = 16 * 2 ** 20;
import { dirname, resolve, join, basename } from 'node:path';
import { analyzeModel, formatSummary } from '../../shared/shape-inference.js';
import type { ModelAnalysis, SpecIssue } from '../../shared/shape-inference.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { resolveTraining } from '../../shared/model-spec.js';
import type { BackendPreference, RunOptions, WorkerEvent } from '../../shared/worker-protocol.js';
import { initialRunEventState, reduceRunEvent } from '../../shared/run-reducer.js';
import type { RunKeep } from '../../shared/run-reducer.js';
import { formatRecurrence } from '../../shared/worker-protocol.js';
import { diagnoseGradientFlow } from '../../shared/gradient-flow.js';
import { BACKEND_PREFERENCES } from '../../shared/worker-protocol.js';
import { bestOf } from '../../shared/training-records.js';
import { startTraining } from '../training-host.js';
import { formatDuration, formatLogs, progressBar, describeData } from './format.js';
import { INTEROP_HELP, INTEROP_USAGE, interopCommand } from './interop-commands.js';
import { prepareOutputFolder } from '../studio/storage.js';
import { RunFolder } from '../run-folder.js';
import { withoutBom } from '../interop/json-text.js';
import { homedir } from 'node:os';
import { DATASETS, DatasetError, cachedDataset, datasetEntry, datasetUrl, fetchDataset } from '../data/datasets.js';
import type { DatasetId } from '../data/datasets.js';

const USAGE = `Usage:
  rnn-studio train <spec.json> [--data PATH] [--epochs N] [--out DIR] [--backend auto|tensorflow|wasm|cpu]
  rnn-studio summary <spec.json>
${INTEROP_USAGE}
  rnn-studio datasets list [--cache DIR]
  rnn-studio datasets fetch <imdb|jena> [--cache DIR] [--mirror URL]

train    trains the model the spec describes on its data (or --data) and writes a run folder (default runs/<name>-<time>)
summary  prints the layers, output shapes and parameter counts, like Keras model.summary()
${INTEROP_HELP}
datasets the book's data sets (IMDB reviews, Jena climate): list shows them and whether they are cached; fetch
         downloads one (resumable, SHA-256 checked), extracts it and prints the path to pass as --data
         (cache default ~/.rnn-studio/datasets; --mirror URL: a folder holding the same file names)`;

export class UsageError extends Error {}

interface Args {
  command: 'train' | 'summary' | 'help';
  specPath: string;
  data?: string;
  epochs?: number;
  out?: string;
  backend?: BackendPreference;
}

/** Parses argv (without node and the script). Throws UsageError with a message for the user. */
export function parseArgs(argv: string[]): Args {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help')
    return { command: 'help', specPath: '' };
  if (command !== 'train' && command !== 'summary')
    throw new UsageError(`Unknown command "${command}". Expected "train" or "summary".`);
  const args: Args = { command, specPath: '' };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = () => {
      const v = rest[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value.`);
      return v;
    };
    switch (a) {
      case '--data':
        args.data = value();
        break;
      case '--out':
        args.out = value();
        break;
      case '--epochs': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`--epochs must be a positive integer. Received: ${v}.`);
        args.epochs = n;
        break;
      }
      case '--backend': {
        const v = value();
        if (!(BACKEND_PREFERENCES as readonly string[]).includes(v))
          throw new UsageError(`--backend must be auto, tensorflow, wasm or cpu. Received: ${v}.`);
        args.backend = v as BackendPreference;
        break;
      }
      default:
        if (a.startsWith('--')) throw new UsageError(`Unknown option ${a}.`);
        if (args.specPath) throw new UsageError(`Expected one spec file. Received a second: ${a}.`);
        args.specPath = a;
    }
  }
  if (!args.specPath) throw new UsageError(`${command} needs a spec file: rnn-studio ${command} <spec.json>.`);
  if (command === 'summary' && (args.data || args.epochs || args.out || args.backend))
    throw new UsageError('summary takes only a spec file.');
  return args;
}

/** "Error (layer 2): …" / "Warning: …" — one line per spec issue, numbered as the user counts layers. */
function formatIssue(i: SpecIssue): string {
  return `${i.severity === 'error' ? 'Error' : 'Warning'}${i.layerIndex !== null ? ` (layer ${i.layerIndex + 1})` : ''}: ${i.message}`;
}

/** Reads and JSON-parses a spec file with a message that names the file. */
export function readSpec(path: string): ModelSpec {
  let text: string;
  try {
    const stats = statSync(path);
    const special = specialFileKind(stats);
    if (special) throw new UsageError(`Cannot read the spec: ${specialFileMessage(path, special)}`);
    if (stats.size > MAX_SPEC_BYTES)
      throw new UsageError(
        `Cannot read the spec ${path}: expected at most ${MAX_SPEC_BYTES} bytes, received ${stats.size}.`,
      );
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(
      `Cannot read the spec ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`,
    );
  }
  try {
    return JSON.parse(withoutBom(text)) as ModelSpec;
  } catch (e) {
    throw new UsageError(`${path} is not valid JSON: ${(e as Error).message}.`);
  }
}

/** The CLI keeps every gradient-flow sample (for its verdict at the end) and no histograms (they are in the run folder). */
const CLI_KEEP: RunKeep = { gradientFlow: Infinity, histograms: 0 };

function timestamp(): string {
  return new Date().toISOString().replace(/[:T]/g, '-').replace(/\..*/, '');
}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** A transient line (progress bar) on a terminal; ignored when output is not a TTY. */
  status: (s: string) => void;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
  status: (s) => {
    if (process.stdout.isTTY) process.stdout.write(`\r\x1b[2K${s}`);
  },
};

/** Runs one CLI invocation; returns the exit code (0 ok, 1 failed run or invalid input, 2 usage). */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  if (argv[0] === 'export' || argv[0] === 'import') return interopCommand(argv, io, USAGE);
  if (argv[0] === 'datasets') return datasetsCommand(argv.slice(1), io);
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (args.command === 'help') {
    io.out(USAGE);
    return 0;
  }
  let spec: ModelSpec;
  try {
    spec = readSpec(args.specPath);
  } catch (e) {
    io.err((e as Error).message);
    return 1;
  }
  const analysis = analyzeModel(spec);
  const specName = typeof spec?.name === 'string' && spec.name ? spec.name : basename(args.specPath, '.json');
  if (args.command === 'summary') {
    if (analysis.layers.length > 0) io.out(formatSummary(analysis, specName));
    for (const i of analysis.issues) io.err(formatIssue(i));
    return analysis.valid ? 0 : 1;
  }
  if (!analysis.valid) {
    for (const i of analysis.issues.filter((x) => x.severity === 'error')) io.err(formatIssue(i));
    return 1;
  }
  return train(spec, specName, analysis, args, io);
}

async function train(spec: ModelSpec, specName: string, analysis: ModelAnalysis, args: Args, io: Io): Promise<number> {
  let outDir: string;
  try {
    outDir = prepareOutputFolder(args.out ?? join('runs', `${specName}-${timestamp()}`));
  } catch (e) {
    io.err(`Error: --out ${(e as Error).message}`);
    return 1;
  }
  const training = { ...resolveTraining(spec), ...(args.epochs ? { epochs: args.epochs } : {}) };
  const folder = new RunFolder(outDir);
  folder.writeSpec({ ...spec, training: { ...spec.training, epochs: training.epochs } });
  const summaryLines: string[] = [];
  const say = (s: string) => {
    io.out(s);
    summaryLines.push(s);
  };
  const options: RunOptions = { epochs: args.epochs, dataPath: args.data, backend: args.backend, outDir };
  // The run's state comes from the shared reducer; what follows each event here is the CLI's own: the lines it prints.
  let run = initialRunEventState({ epochsPlanned: training.epochs });

  const onEvent = (e: WorkerEvent) => {
    run = reduceRunEvent(run, e, CLI_KEEP);
    switch (e.type) {
      case 'backend':
        say(`Backend: ${e.backend.name} (tfjs ${e.backend.tfjsVersion}) — ${e.backend.detail}`);
        break;
      case 'data':
        for (const l of describeData(e.summary)) say(l);
        say(
          `  read ${e.fingerprint.files} file(s), ${e.fingerprint.bytes.toLocaleString('en-US')} bytes; fingerprint sha256 ${e.fingerprint.hash}`,
        );
        break;
      case 'model':
        say(formatSummary(analysis, specName));
        {
          const line = formatRecurrence(e.recurrence, e.kernels);
          if (line) say(line);
        }
        say(
          `Training: ${training.optimizer} lr=${training.learningRate}, batch ${training.batchSize}, ${training.epochs} epochs, loss ${training.loss}${training.clipnorm ? `, clipnorm ${training.clipnorm}` : ''}, seed ${training.seed}`,
        );
        break;
      case 'warnings':
        for (const i of e.issues) {
          io.err(formatIssue(i));
          summaryLines.push(formatIssue(i));
        }
        break;
      case 'batches':
        if (e.records.length > 0) {
          const r = e.records[e.records.length - 1]!;
          io.status(
            `Epoch ${r.epoch + 1}/${training.epochs} ${progressBar((r.batch + 1) / r.batches, 24)} ${r.batch + 1}/${r.batches}  ${formatLogs(r.logs)}  ETA ${formatDuration(r.etaSeconds)}`,
          );
        }
        break;
      case 'epoch':
        io.status('');
        say(
          `Epoch ${e.record.epoch + 1}/${e.record.epochs}  ${formatLogs(e.record.logs)}  ${e.record.seconds.toFixed(1)}s  ETA ${formatDuration(e.record.etaSeconds)}`,
        );
        break;
      case 'state':
        say(e.state === 'paused' ? 'Paused.' : 'Resumed.');
        break;
      case 'saved':
        say(`Saved the model to ${join(e.dir, 'model')}/ (TF.js layers format) and preprocessing.json.`);
        break;
      default:
        // done, error, gradient flow, histograms: read from the run's state once the worker has finished.
        break;
    }
  };

  const handle = startTraining({ spec, analysis }, dirname(resolve(args.specPath)), options, onEvent);
  // First Ctrl-C stops after the current batch (the model is still saved); a second one quits at once.
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      io.err('\nStopping after the current batch… (Ctrl-C again to quit now)');
      handle.stop();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  await handle.finished;
  process.off('SIGINT', onSigint);

  const { result: r, dataSummary: ds, epochs } = run;
  // An error event ends the run without a result (a result that failed is reported as a result).
  const err = r ? null : run.error;
  if (err) {
    const lines = err.issues
      ? err.issues.filter((i) => i.severity === 'error').map(formatIssue)
      : [`Error (${err.stage}): ${err.message}`];
    for (const l of lines) io.err(l);
    summaryLines.push(...lines);
    folder.writeSummary(summaryLines);
    return 1;
  }
  if (r) {
    say(
      `Result: ${r.status} after ${r.epochsRun} epoch(s) in ${formatDuration(r.seconds)}${r.reason ? ` — ${r.reason}` : '.'}`,
    );
    if (r.restoredBestWeights && r.bestEpoch !== null)
      say(`Restored the weights of epoch ${r.bestEpoch + 1} (best ${training.earlyStopping?.monitor}).`);
    say(`Final: ${formatLogs(r.finalLogs)}`);
    if (ds?.kind === 'timeseries') {
      const best = bestOf(epochs, 'val_loss')?.value ?? NaN;
      if (training.loss === 'meanAbsoluteError' && Number.isFinite(best)) {
        say(
          `Validation MAE: best ${best.toFixed(4)} (${(best * ds.targetStd).toFixed(3)} ${ds.target} units) vs common-sense baseline ${ds.baselineMae.toFixed(4)} (${ds.baselineMaeUnits.toFixed(3)}): ${best < ds.baselineMae ? 'beats' : 'does not beat'} the baseline.`,
        );
      }
    }
    if (r.testLogs) say(`Test: ${formatLogs(r.testLogs)}`);
    // The gradient flow through time (gradient-flow.jsonl in the run folder), one verdict per recurrent layer.
    for (const d of diagnoseGradientFlow(run.gradientFlow, {
      layers: analysis.layers,
      spec,
      learningRate: training.learningRate,
      clipnorm: training.clipnorm,
      epochs,
    })) {
      say(`Gradient flow, ${d.layer}: ${d.message}`);
    }
  }
  say(`Run folder: ${outDir}`);
  folder.writeSummary(summaryLines);
  return r && r.status !== 'failed' ? 0 : 1;
}

/** The CLI's data-set cache when --cache is not given (the app uses <user-data>/datasets). */
export const DEFAULT_DATASET_CACHE = join(homedir(), '.rnn-studio', 'datasets');

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** `rnn-studio datasets list|fetch …` (argv without "datasets"). */
async function datasetsCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  let cacheDir = DEFAULT_DATASET_CACHE;
  let mirror: string | undefined;
  const ids: string[] = [];
  try {
    if (sub !== 'list' && sub !== 'fetch')
      throw new UsageError(
        `Expected "datasets list" or "datasets fetch <${DATASETS.map((d) => d.id).join('|')}>". Received: ${sub === undefined ? 'nothing' : `"${sub}"`}.`,
      );
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      const value = () => {
        const v = rest[++i];
        if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value.`);
        return v;
      };
      if (a === '--cache') cacheDir = resolve(value());
      else if (a === '--mirror' && sub === 'fetch') mirror = value();
      else if (a.startsWith('--')) throw new UsageError(`Unknown option ${a}.`);
      else ids.push(a);
    }
    if (sub === 'list' && ids.length > 0) throw new UsageError('datasets list takes no data set name.');
    if (sub === 'fetch' && ids.length !== 1)
      throw new UsageError(`datasets fetch needs one data set name: ${DATASETS.map((d) => d.id).join(' or ')}.`);
    if (sub === 'fetch') datasetEntry(ids[0]!);
  } catch (e) {
    if (e instanceof UsageError || e instanceof DatasetError) {
      io.err(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (sub === 'list') {
    for (const d of DATASETS) {
      const cached = cachedDataset(d.id, cacheDir);
      io.out(
        `${d.id.padEnd(5)} ${d.title} — ${d.bytes !== null ? formatBytes(d.bytes) : 'size unknown'}, ${cached ? `cached: ${cached.path}` : 'not downloaded'}`,
      );
      io.out(`      ${d.description}`);
      io.out(`      ${d.url}  sha256 ${d.sha256 ?? '(none published; recorded on first download)'}`);
    }
    io.out(`Cache: ${cacheDir}`);
    return 0;
  }
  const id = ids[0] as DatasetId;
  const entry = datasetEntry(id);
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.on('SIGINT', onSigint);
  try {
    io.out(`Fetching ${entry.title} from ${datasetUrl(entry, mirror)} into ${join(cacheDir, id)}`);
    const r = await fetchDataset(id, {
      cacheDir,
      ...(mirror ? { baseUrl: mirror } : {}),
      signal: ac.signal,
      onProgress: (p) => {
        if (p.phase === 'download') {
          const frac = p.total ? p.bytes / p.total : 0;
          io.status(
            `Downloading ${progressBar(frac, 24)} ${formatBytes(p.bytes)}${p.total ? ` / ${formatBytes(p.total)}` : ''}  ${formatBytes(p.bytesPerSecond)}/s  ETA ${p.etaSeconds === null ? '?' : formatDuration(p.etaSeconds)}${p.resumedFrom ? `  (resumed at ${formatBytes(p.resumedFrom)})` : ''}`,
          );
        } else if (p.phase === 'verify')
          io.status(`Checking SHA-256 ${progressBar(p.total ? p.bytes / p.total : 0, 24)} ${formatBytes(p.bytes)}`);
        else io.status(`Extracting… ${formatBytes(p.bytes)}`);
      },
    });
    io.status('');
    if (!r.downloaded) io.out('Already downloaded (cache).');
    else
      io.out(
        `Downloaded ${formatBytes(r.bytesReceived)}${r.resumedFrom ? ` (resumed after ${formatBytes(r.resumedFrom)})` : ''}; SHA-256 ${r.sha256} ${r.checksumKnown ? 'verified' : 'recorded (no published checksum to compare)'}.`,
      );
    io.out(`Data: ${r.path}`);
    io.out(`Train on it with: rnn-studio train <spec.json> --data ${JSON.stringify(r.path)}`);
    return 0;
  } catch (e) {
    io.status('');
    if (e instanceof DatasetError) {
      io.err(`Error: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
