/**
 * The main-side implementation of the studio API (shared/api.ts): projects and runs on disk under the user-data
 * folder, training and prediction in worker threads, events to every connected UI. Transports (Electron IPC,
 * WebSocket) validate arguments with the API's schemas and call `call()`; nothing here knows which one is used.
 */
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import {
  ApiError,
  MAX_EXPORT_DOWNLOAD_BYTES,
  MAX_PROJECT_BYTES,
  MAX_UPLOAD_BYTES,
  UPLOAD_CHUNK_BYTES,
  validateParams,
} from '../../shared/api.js';
import type {
  ApiMethod,
  ApiParams,
  ApiResults,
  EngineInfo,
  HostKind,
  ImportedModel,
  Project,
  RunExport,
  ProjectSummary,
  RunDetail,
  RunSummary,
  SampleInfo,
  StudioCalls,
  StudioEvent,
  WeightsSource,
} from '../../shared/api.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { resolveTraining } from '../../shared/model-spec.js';
import { analyzeModel } from '../../shared/shape-inference.js';
import { bestOf } from '../../shared/training-records.js';
import type { HiddenGradientSample } from '../../shared/gradient-flow.js';
import { thinHistograms } from '../../shared/histograms.js';
import type { HistogramRecord } from '../../shared/histograms.js';
import type { BatchRecord, EpochRecord, TrainResult } from '../../shared/training-records.js';
import type { BackendInfo, DataSummary, RecurrencePath, WorkerEvent } from '../../shared/worker-protocol.js';
import { initialRunEventState, reduceRunEvent } from '../../shared/run-reducer.js';
import type { RunEventState, RunKeep } from '../../shared/run-reducer.js';
import type { LayerInfo, ModelAnalysis, SpecIssue } from '../../shared/shape-inference.js';
import { DataError } from '../data/data-error.js';
import { startTraining, runEstimate, runPrediction, runInside } from '../training-host.js';
import { compareReplay } from '../../shared/replay.js';
import type { ReplayReport, RunProvenance } from '../../shared/replay.js';
import type { RunEstimate } from '../../shared/estimate.js';
import type { TrainingHandle } from '../training-host.js';
import { runDiagnosis } from '../training-host.js';
import { offThread, stopFileWorkers } from './off-thread.js';
import type { FileJob } from './file-jobs.js';
import type { FileJobResults } from './file-jobs.js';
import { DEFAULT_PROJECTOR_WORDS } from './projector-job.js';
import type { ProjectorRequest } from './projector-job.js';
import { DATASETS, cachedDataset } from '../data/datasets.js';
import { withoutBom } from '../interop/json-text.js';
import { newId, readJsonOrNull, writeFileAtomic } from './storage.js';
import { RunFolder } from '../run-folder.js';
import { exportRun, withSavedGruVariants } from '../interop/export.js';
import { writeZip } from '../interop/zip.js';
import { readTfjsModel } from '../interop/tfjs-artifacts.js';
import { ExportError } from '../interop/keras-format.js';
import { TOKEN_LAYER_CLASS } from '../../shared/layer-catalog.js';

/** run.json: everything about a run except its per-batch metrics (metrics.jsonl) and its model (model/). */
interface RunMeta {
  id: string;
  name: string;
  createdAt: string;
  status: RunSummary['status'];
  spec: ModelSpec;
  dataPath: string;
  epochs: number;
  backend: BackendInfo | null;
  dataSummary: DataSummary | null;
  layers: LayerInfo[];
  /** Which recurrent layers ran on the fused kernels (absent in runs recorded before they existed). */
  recurrence?: RecurrencePath[];
  kernels?: string | null;
  result: TrainResult | null;
  error: string | null;
  epochRecords: EpochRecord[];
  /** How the run was made, for Replay (absent in runs recorded before it existed). */
  provenance?: RunProvenance;
  /** The run this one replays, and the comparison once it ends. */
  replayOf?: string;
  replay?: ReplayReport;
  /** The estimate made before Start for this very spec, if any. */
  estimate?: RunEstimate;
  /** The weights the run started from (absent: fresh, seeded ones). */
  initialWeights?: WeightsSource;
  evaluateOnly?: boolean;
  /** setRunTags (absent: never tagged). */
  tags?: string[];
  /** Problems that did not stop the run (memory past half of the machine), on their layers (absent: none). */
  warnings?: SpecIssue[];
}

export interface StudioServiceOptions {
  userDataDir: string;
  host: HostKind;
  appVersion: string;
  /** The folder holding `samples/` (bundled data) — the repository's or the packaged app's `assets/`. */
  assetsDir: string;
  /** Specs offered as samples (the repository's `examples/`). */
  examplesDir: string;
  /** Native file dialog (Electron only). */
  pickDataPath?: (kind: 'file' | 'folder') => Promise<string | null>;
  /**
   * Folders whose files (and files behind symlinks, resolved) the API may read as data, besides the bundled samples and
   * the user-data folder (uploads). Unset: any absolute path (the desktop app, where paths come from native dialogs).
   * The browser host sets it: a client with the token must not read the machine's other files through it.
   */
  dataRoots?: string[];
  /** Fetch the book's data sets from this folder URL instead of their public URLs (a mirror; the tests' local server). */
  datasetsMirror?: string;
}

/** An upload being received: its folder, each file's bytes so far, and the calls queued on it (one at a time). */
interface Upload {
  dir: string;
  files: Map<string, number>;
  bytes: number;
  /** Set once a call without `more` finished it: later calls are refused, importModel may take it. */
  done: boolean;
  queue: Promise<unknown>;
}

const SAMPLE_PREFIX = 'sample:';
const MAX_BATCH_POINTS = 2000;
const MAX_FLOW_SAMPLES = 400;
/** Epochs of weight/gradient histograms getRun returns (histograms.jsonl is thinned evenly beyond it). */
const MAX_HISTOGRAM_EPOCHS = 200;
/** The service keeps no gradient-flow samples or histograms in memory: getRun reads them from the run folder. */
const KEEP_NONE: RunKeep = { gradientFlow: 0, histograms: 0 };

export class StudioService {
  private readonly listeners = new Set<(e: StudioEvent) => void>();
  private readonly active = new Map<string, { handle: TrainingHandle; meta: RunMeta }>();
  /**
   * Runs whose state could not be saved (persistRun, or marking an interrupted run failed at start): failed and
   * stopped, their later events ignored; listed from here, since their run.json on disk still shows the last state
   * that could be written.
   */
  private readonly unsaved = new Map<string, RunMeta>();
  /** Uploads in progress (uploadData with `more`): what each file holds so far, in call order. */
  private readonly uploads = new Map<string, Upload>();
  /** Project summaries by file, valid while the file's size and mtime stay the same: listing never re-parses all. */
  private readonly projectIndex = new Map<string, { mtimeMs: number; size: number; summary: ProjectSummary | null }>();
  private readonly datasetFetches = new Map<
    string,
    ReturnType<typeof offThread<Extract<FileJob, { type: 'dataset' }>>>
  >();
  private lastBackend: BackendInfo | null = null;
  /** The latest estimate and the spec it was made for: a run started with that spec records it. */
  private lastEstimate: { spec: string; estimate: RunEstimate } | null = null;
  readonly runsDir: string;
  readonly projectsDir: string;
  readonly uploadsDir: string;
  /** Default folder of exports (`exports/<runId>/`) and the files imports keep (`imports/<id>/`). */
  readonly exportsDir: string;
  readonly importsDir: string;
  /** The book's data sets, downloaded on first use (listDatasets / fetchDataset). */
  readonly datasetsDir: string;

  constructor(private readonly opts: StudioServiceOptions) {
    this.runsDir = join(opts.userDataDir, 'runs');
    this.projectsDir = join(opts.userDataDir, 'projects');
    this.uploadsDir = join(opts.userDataDir, 'uploads');
    this.exportsDir = join(opts.userDataDir, 'exports');
    this.importsDir = join(opts.userDataDir, 'imports');
    this.datasetsDir = join(opts.userDataDir, 'datasets');
    for (const d of [this.runsDir, this.projectsDir, this.uploadsDir]) mkdirSync(d, { recursive: true });
    this.recoverInterruptedRuns();
  }

  onEvent(listener: (e: StudioEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: StudioEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // One broken connection must not stop the others from receiving events.
      }
    }
  }

  /**
   * The single entry point of both transports: validates `params` against the method's schema, runs it, and turns
   * data problems into ApiErrors whose message names the file, row and column.
   */
  async call<M extends ApiMethod>(method: M, params: unknown): Promise<ApiResults[M]> {
    if (!Object.prototype.hasOwnProperty.call(this.calls, method))
      throw new ApiError(`Unknown API method ${JSON.stringify(method)}.`, 'invalid-argument');
    const valid = validateParams(method, params);
    try {
      return await (this.calls[method] as (p: ApiParams<M>) => Promise<ApiResults[M]>)(valid);
    } catch (e) {
      if (e instanceof ApiError) throw e;
      if (e instanceof DataError) throw new ApiError(e.message, 'invalid-argument');
      throw new ApiError(e instanceof Error ? e.message : String(e), 'failed');
    }
  }

  /** Runs still marked running/paused were cut off by a crash or a quit: mark them failed, keep what they saved. */
  private recoverInterruptedRuns(): void {
    for (const id of this.runIds()) {
      const meta = this.readMeta(id);
      if (meta && (meta.status === 'running' || meta.status === 'paused')) {
        meta.status = 'failed';
        meta.error = 'The app closed while this run was in progress; the metrics up to then are kept.';
        meta.epochRecords = this.epochsOnDisk(id, meta.epochRecords);
        try {
          this.runFolder(id).writeMeta(meta);
        } catch {
          // A full disk must not keep the studio from starting (this runs in the constructor): the run is listed as
          // failed from memory, its run.json keeps the last good version, and the next start with room saves this.
          this.unsaved.set(id, meta);
        }
      }
    }
  }

  /**
   * The epoch records the worker wrote to the run's metrics.jsonl (appended before each record is sent), when they are
   * more than `known`: what a crash of the worker or of the app cut off from run.json.
   */
  private epochsOnDisk(id: string, known: EpochRecord[]): EpochRecord[] {
    const onDisk = this.runFolder(id).readEpochs();
    return onDisk !== null && onDisk.length > known.length ? onDisk : known;
  }

  /** The sampled gradient flow through time (gradient-flow.jsonl), thinned to at most MAX_FLOW_SAMPLES. */
  private gradientFlowOnDisk(id: string): HiddenGradientSample[] {
    const all = this.runFolder(id).readGradientFlow<HiddenGradientSample>();
    const stride = Math.max(1, Math.ceil(all.length / MAX_FLOW_SAMPLES));
    return stride > 1 ? all.filter((_, i) => i % stride === 0 || i === all.length - 1) : all;
  }

  /** The per-epoch weight and gradient histograms (histograms.jsonl), thinned to MAX_HISTOGRAM_EPOCHS. */
  private histogramsOnDisk(id: string): HistogramRecord[] {
    return thinHistograms(this.runFolder(id).readHistograms<HistogramRecord>(), MAX_HISTOGRAM_EPOCHS);
  }

  /** Every batch record of a run (metrics.jsonl). */
  private batchesOnDisk(id: string): BatchRecord[] {
    return this.runFolder(id).readBatches();
  }

  /** A replay's metrics against its original's (epoch logs and every batch loss). */
  private compareWithOriginal(meta: RunMeta): ReplayReport | undefined {
    const original = meta.replayOf ? this.runFolder(meta.replayOf).readMeta<RunMeta>() : null;
    if (!original) return undefined;
    return compareReplay(
      {
        id: original.id,
        provenance: original.provenance ?? null,
        epochs: original.epochRecords,
        batches: this.batchesOnDisk(original.id),
        epochsPlanned: original.epochs,
      },
      { provenance: meta.provenance ?? null, epochs: meta.epochRecords, batches: this.batchesOnDisk(meta.id) },
    );
  }

  /** Starts a run of `spec` in a fresh worker; records its provenance (and, for a replay, the run it repeats). */
  /**
   * The folder holding the model.json a run may start from: a finished run's model/, or an import's converted model.
   * @throws ApiError naming the source when it has no weights (yet).
   */
  /** A run's folder: its layout is run-folder.ts's to know. */
  private runFolder(id: string): RunFolder {
    return new RunFolder(join(this.runsDir, id));
  }

  private weightsDir(source: WeightsSource): string {
    if (source.kind === 'run') {
      if (this.active.has(source.id))
        throw new ApiError(
          `Run ${source.id} is still training; start from its weights once it has finished.`,
          'invalid-argument',
        );
      const folder = this.runFolder(source.id);
      if (!folder.hasModel()) throw new ApiError(`Run ${source.id} saved no model to start from.`, 'not-found');
      return folder.modelDir;
    }
    const dir = join(this.importsDir, source.id, 'imported', 'model');
    if (!existsSync(join(dir, 'model.json')))
      throw new ApiError(
        `The imported model ${source.id} has no weights to start from (it held the architecture only, or its weights could not be converted).`,
        'not-found',
      );
    return dir;
  }

  /** A spec a run or an estimate can start from: valid, with data; its analysis, data settings and resolved path. */
  private trainable(spec: ModelSpec): {
    analysis: ModelAnalysis;
    data: NonNullable<ModelSpec['data']>;
    dataPath: string;
  } {
    const analysis = analyzeModel(spec);
    if (!analysis.valid)
      throw new ApiError(
        analysis.issues
          .filter((i) => i.severity === 'error')
          .map((i) => i.message)
          .join('\n'),
        'invalid-argument',
      );
    if (!spec.data)
      throw new ApiError('Choose the data to train on first: the spec has no `data` section.', 'invalid-argument');
    return { analysis, data: spec.data, dataPath: this.resolveDataPath(spec.data.path) };
  }

  private async launch(
    spec: ModelSpec,
    replayOf?: string,
    gradientFlowEvery?: number,
    start: { initialWeights?: WeightsSource; evaluateOnly?: boolean } = {},
  ): Promise<{ runId: string }> {
    const { analysis, data: dataSettings, dataPath } = this.trainable(spec);
    const initialWeightsDir = start.initialWeights ? this.weightsDir(start.initialWeights) : undefined;
    if (start.evaluateOnly && !initialWeightsDir)
      throw new ApiError(
        'Evaluating needs weights to evaluate: choose a finished run or an imported model to start from.',
        'invalid-argument',
      );
    const id = newId();
    const provenance: RunProvenance = {
      seed: resolveTraining(spec).seed,
      // The worker fingerprints the data as it reads it (its `data` event).
      dataHash: null,
      dataFiles: 0,
      dataBytes: 0,
      preprocessing: dataSettings,
      spec,
      appVersion: this.opts.appVersion,
      nodeVersion: process.version,
      platform: `${process.platform}-${process.arch}`,
      tfjsVersion: null,
      backend: null,
      nativeVersion: null,
      kernels: null,
      recurrence: null,
    };
    const specJson = JSON.stringify(spec);
    const meta: RunMeta = {
      id,
      name: spec.name,
      createdAt: new Date().toISOString(),
      status: 'running',
      spec,
      dataPath,
      epochs: resolveTraining(spec).epochs,
      backend: null,
      dataSummary: null,
      layers: analysis.layers,
      result: null,
      error: null,
      epochRecords: [],
      provenance,
      ...(replayOf ? { replayOf } : {}),
      ...(this.lastEstimate?.spec === specJson ? { estimate: this.lastEstimate.estimate } : {}),
      ...(start.initialWeights ? { initialWeights: start.initialWeights } : {}),
      ...(start.evaluateOnly ? { evaluateOnly: true, epochs: 0 } : {}),
    };
    const folder = this.runFolder(id);
    // spec.json as the CLI writes it: every run folder holds its spec in the same place (run-folder.ts).
    folder.writeSpec(spec);
    this.saveMeta(meta);
    const options = {
      dataPath,
      outDir: folder.dir,
      // The interface shares the machine: training yields a core to it whenever it needs one (thread-priority.ts).
      background: true,
      ...(gradientFlowEvery !== undefined ? { gradientFlowEvery } : {}),
      ...(initialWeightsDir ? { initialWeightsDir } : {}),
      ...(start.evaluateOnly ? { evaluateOnly: true } : {}),
    };
    let run = initialRunEventState({ status: 'running', layers: analysis.layers, epochsPlanned: meta.epochs });
    const handle = startTraining({ spec, analysis }, this.opts.userDataDir, options, (e) => {
      run = this.onRunEvent(meta, run, e);
    });
    this.active.set(id, { handle, meta });
    void handle.finished.then(() => this.active.delete(id));
    this.emit({ type: 'runs-changed' });
    return { runId: id };
  }

  private runIds(): string[] {
    return readdirSync(this.runsDir)
      .filter((d) => this.runFolder(d).hasMeta())
      .sort()
      .reverse();
  }

  private readMeta(id: string): RunMeta | null {
    return this.active.get(id)?.meta ?? this.unsaved.get(id) ?? this.runFolder(id).readMeta<RunMeta>();
  }

  private saveMeta(meta: RunMeta): void {
    this.runFolder(meta.id).writeMeta(meta);
  }

  /**
   * Saves a run's state after an event. When that fails (a full disk), the run fails instead of the host: training
   * stops, run.json keeps its last good version (the write is atomic), and clients get the run's error. False when
   * the event was turned into that failure.
   */
  private persistRun(meta: RunMeta, e: WorkerEvent): boolean {
    try {
      this.saveMeta(meta);
      return true;
    } catch (err) {
      const reason = `Could not save the run: ${err instanceof Error ? err.message : String(err)}. Training was stopped; what was saved before is intact. Free some disk space and train again.`;
      const active = this.active.get(meta.id);
      this.active.delete(meta.id);
      this.unsaved.set(meta.id, meta);
      meta.status = 'failed';
      meta.error = reason;
      active?.handle.stop();
      if (e.type !== 'error') this.emit({ type: 'run', runId: meta.id, event: e });
      this.emit({ type: 'run', runId: meta.id, event: { type: 'error', stage: 'engine', message: reason } });
      this.emit({ type: 'runs-changed' });
      return false;
    }
  }

  /** Turns a spec's data path into a file system path: bundled samples by name, otherwise absolute paths only. */
  resolveDataPath(path: string): string {
    if (path.startsWith(SAMPLE_PREFIX)) {
      const name = path.slice(SAMPLE_PREFIX.length);
      if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.'))
        throw new ApiError(`Unknown sample ${JSON.stringify(name)}.`, 'invalid-argument');
      const p = join(this.opts.assetsDir, 'samples', name);
      if (!existsSync(p))
        throw new ApiError(`Unknown sample ${JSON.stringify(name)}: no such file in the bundled samples.`, 'not-found');
      return p;
    }
    if (!isAbsolute(path))
      throw new ApiError(
        `Data paths must be absolute or name a bundled sample ("sample:…"). Received: ${JSON.stringify(path)}.`,
        'invalid-argument',
      );
    const p = normalize(path);
    const roots = this.opts.dataRoots;
    if (roots && existsSync(p)) {
      const real = realpathSync(p);
      const allowed = [...roots, this.opts.userDataDir].filter((r) => existsSync(r)).map((r) => realpathSync(r));
      if (!allowed.some((r) => real === r || real.startsWith(r.endsWith(sep) ? r : r + sep))) {
        throw new ApiError(
          `${path} is outside the folders this studio may read (${allowed.join(', ')}). Upload the data instead, or start the browser host with --data-root <folder>.`,
          'invalid-argument',
        );
      }
    }
    return p;
  }

  private summarize(meta: RunMeta): RunSummary {
    const best: Record<string, number> = {};
    const keys = new Set(meta.epochRecords.flatMap((e) => Object.keys(e.logs)).filter((k) => k.startsWith('val_')));
    for (const k of keys) best[k] = bestOf(meta.epochRecords, k)!.value;
    return {
      id: meta.id,
      name: meta.name,
      createdAt: meta.createdAt,
      status: meta.status,
      epochsRun: meta.epochRecords.length,
      epochs: meta.epochs,
      best,
      backend: meta.backend?.name ?? null,
      dataKind: meta.spec.data?.kind ?? null,
      error: meta.error,
      templateFamily: typeof meta.spec.template?.family === 'string' ? meta.spec.template.family : null,
      initialWeights: meta.initialWeights ?? null,
      evaluateOnly: meta.evaluateOnly === true,
      tags: meta.tags ?? [],
    };
  }

  /**
   * One event of a run: folded into the run's state by the shared reducer, what run.json keeps copied to its meta
   * (saved when it changed), then sent to every client. Returns the run's new state.
   */
  private onRunEvent(meta: RunMeta, before: RunEventState, e: WorkerEvent): RunEventState {
    // A run that could not be saved has ended for its clients; what its worker still sends is dropped.
    if (this.unsaved.has(meta.id)) return before;
    let run = reduceRunEvent(before, e, KEEP_NONE);
    // A crashing worker's last epoch messages can arrive after its error (or never); metrics.jsonl has them all.
    if (e.type === 'error') run = { ...run, epochs: this.epochsOnDisk(meta.id, run.epochs) };
    if (e.type === 'backend') {
      this.lastBackend = e.backend;
      if (meta.provenance)
        Object.assign(meta.provenance, {
          backend: e.backend.name,
          tfjsVersion: e.backend.tfjsVersion,
          nativeVersion: e.backend.nativeVersion ?? null,
        });
    }
    if (e.type === 'data' && meta.provenance)
      Object.assign(meta.provenance, {
        dataHash: e.fingerprint.hash,
        dataHashKind: 'files-read',
        dataFiles: e.fingerprint.files,
        dataBytes: e.fingerprint.bytes,
      });
    if (e.type === 'model' && meta.provenance)
      Object.assign(meta.provenance, { kernels: e.kernels, recurrence: e.recurrence });
    // run.json changes with the status, backend, data, model, epochs, result and error — not with every batch.
    const persist =
      run.status !== before.status ||
      run.backend !== before.backend ||
      run.dataSummary !== before.dataSummary ||
      run.layers !== before.layers ||
      run.recurrence !== before.recurrence ||
      run.kernels !== before.kernels ||
      run.epochs !== before.epochs ||
      run.result !== before.result ||
      run.error !== before.error ||
      run.warnings !== before.warnings;
    if (persist) {
      Object.assign(meta, {
        status: run.status === 'starting' ? 'running' : run.status,
        backend: run.backend,
        dataSummary: run.dataSummary,
        layers: run.layers,
        recurrence: run.recurrence,
        kernels: run.kernels,
        epochRecords: run.epochs,
        result: run.result,
        error: run.error?.message ?? null,
        ...(run.warnings.length > 0 ? { warnings: run.warnings } : {}),
      });
    }
    if ((e.type === 'done' || e.type === 'error') && meta.replayOf) meta.replay = this.compareWithOriginal(meta);
    if (persist && !this.persistRun(meta, e)) return run;
    // The run is over once its last event is out: a client acting on it at once (Predict, Export) must not be told
    // it is still training — the worker's own exit comes a moment later.
    if (e.type === 'done' || e.type === 'error') this.active.delete(meta.id);
    this.emit({ type: 'run', runId: meta.id, event: e });
    // Not on every epoch: each runs-changed makes every client re-list all runs; live progress comes as run events.
    if (e.type === 'done' || e.type === 'error' || e.type === 'state') this.emit({ type: 'runs-changed' });
    return run;
  }

  private sampleSpecs(): SampleInfo[] {
    const out: SampleInfo[] = [];
    for (const f of readdirSync(this.opts.examplesDir)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const spec = readJsonOrNull<ModelSpec>(join(this.opts.examplesDir, f));
      if (!spec?.data) continue;
      const marker = `assets${sep}samples${sep}`;
      const resolved = resolve(this.opts.examplesDir, spec.data.path);
      const at = resolved.indexOf(marker);
      if (at < 0) continue;
      const sample = resolved.slice(at + marker.length);
      out.push({
        id: basename(f, '.json'),
        title: spec.name,
        description: spec.description ?? '',
        spec: { ...spec, data: { ...spec.data, path: `${SAMPLE_PREFIX}${sample}` } },
      });
    }
    return out;
  }

  /** Every API call, one function each; `call()` validates before any of them runs. */
  readonly calls: StudioCalls = {
    getEngineInfo: async (): Promise<EngineInfo> => ({
      host: this.opts.host,
      appVersion: this.opts.appVersion,
      backend: this.lastBackend,
      userDataDir: this.opts.userDataDir,
      canPickPaths: Boolean(this.opts.pickDataPath),
    }),

    listSamples: async () => this.sampleSpecs(),

    previewData: async ({ data }) => {
      const path = this.resolveDataPath(data.path);
      // Answered here, without starting a worker: a burst of previews of a missing path costs nothing.
      if (!existsSync(path))
        throw new DataError(
          `expected a readable file or folder at ${path}, received an error: nothing exists at this path.`,
          { file: path },
        );
      return offThread({ type: 'preview', data, path });
    },

    uploadData: async ({ name, files, uploadId, more }) => {
      let id = uploadId;
      let upload = id === undefined ? undefined : this.uploads.get(id);
      if (id !== undefined && !upload)
        throw new ApiError(
          `No upload ${JSON.stringify(id)} in progress (it was finished or the studio restarted). Upload the files again.`,
          'not-found',
        );
      if (!upload) {
        id = `${newId()}-${name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60)}`;
        upload = { dir: join(this.uploadsDir, id), files: new Map(), bytes: 0, done: false, queue: Promise.resolve() };
        this.uploads.set(id, upload);
      }
      const u = upload;
      // Calls on one upload run in order: each piece must land at the offset the previous ones left.
      const next = u.queue.then(() => this.receiveUpload(id!, u, files, more === true));
      u.queue = next.catch(() => {});
      return next;
    },

    pickDataPath: async ({ kind }) => {
      if (!this.opts.pickDataPath)
        throw new ApiError(
          'Choosing a path needs the desktop app; in the browser, upload the file or folder instead.',
          'unavailable',
        );
      return { path: await this.opts.pickDataPath(kind) };
    },

    startRun: async ({ spec, gradientFlowEvery, initialWeights, evaluateOnly }) =>
      this.launch(spec, undefined, gradientFlowEvery, { initialWeights, evaluateOnly }),

    replayRun: async ({ runId }) => {
      const meta = this.readMeta(runId);
      if (!meta) throw new ApiError(`No run ${runId}.`, 'not-found');
      if (meta.status === 'running' || meta.status === 'paused')
        throw new ApiError('This run is still training; replay it once it has finished.', 'invalid-argument');
      // The spec exactly as run (seed, data settings and all); a replay of a replay repeats the same original. A run
      // from before GRUs had `resetAfter` trained reset_after=False: its saved model says so (the default is now true).
      const spec = meta.provenance?.spec ?? meta.spec;
      const modelJson = join(this.runFolder(runId).modelDir, 'model.json');
      let asTrained = spec;
      try {
        if (existsSync(modelJson))
          asTrained = withSavedGruVariants(spec, readTfjsModel(modelJson, false).json.modelTopology);
      } catch {
        // A damaged model.json: replay the spec as stored.
      }
      return this.launch(asTrained, meta.replayOf ?? runId, undefined, {
        initialWeights: meta.initialWeights,
        evaluateOnly: meta.evaluateOnly,
      });
    },

    estimateRun: async ({ spec }) => {
      const { analysis, dataPath } = this.trainable(spec);
      const r = await runEstimate({ spec, analysis }, this.opts.userDataDir, { dataPath });
      if (r.type === 'error') throw new ApiError(r.message, r.stage === 'data' ? 'invalid-argument' : 'failed');
      this.lastEstimate = { spec: JSON.stringify(spec), estimate: r.estimate };
      return r.estimate;
    },

    controlRun: async ({ runId, action }) => {
      const run = this.active.get(runId);
      if (!run) throw new ApiError(`Run ${runId} is not in progress.`, 'not-found');
      if (action === 'sample-gradients') run.handle.sampleGradients();
      else run.handle[action]();
      return { ok: true };
    },

    listRuns: async () =>
      this.runIds()
        .map((id) => this.readMeta(id))
        .filter((m): m is RunMeta => m !== null)
        .map((m) => this.summarize(m)),

    getRun: async ({ runId }): Promise<RunDetail> => {
      const meta = this.readMeta(runId);
      if (!meta) throw new ApiError(`No run ${runId}.`, 'not-found');
      let batchRecords = this.batchesOnDisk(runId);
      const stride = Math.max(1, Math.ceil(batchRecords.length / MAX_BATCH_POINTS));
      if (stride > 1) batchRecords = batchRecords.filter((_, i) => i % stride === 0 || i === batchRecords.length - 1);
      return {
        ...this.summarize(meta),
        spec: meta.spec,
        layers: meta.layers,
        dataSummary: meta.dataSummary,
        result: meta.result,
        epochRecords: meta.epochRecords,
        batchRecords,
        recurrence: meta.recurrence ?? [],
        gradientFlow: this.gradientFlowOnDisk(runId),
        histograms: this.histogramsOnDisk(runId),
        provenance: meta.provenance ?? null,
        replayOf: meta.replayOf ?? null,
        replay: meta.replay ?? null,
        estimate: meta.estimate ?? null,
        warnings: meta.warnings ?? [],
      };
    },

    deleteRun: async ({ runId }) => {
      if (this.active.has(runId))
        throw new ApiError(`Run ${runId} is still in progress: stop it before deleting it.`, 'invalid-argument');
      const folder = this.runFolder(runId);
      if (!folder.hasMeta()) throw new ApiError(`No run ${runId}.`, 'not-found');
      rmSync(folder.dir, { recursive: true, force: true });
      this.emit({ type: 'runs-changed' });
      return { ok: true };
    },

    renameRun: async ({ runId, name }) =>
      this.updateMeta(runId, 'rename', (meta) => {
        const before = meta.name;
        meta.name = name;
        return () => {
          meta.name = before;
        };
      }),

    setRunTags: async ({ runId, tags }) =>
      this.updateMeta(runId, 'tag', (meta) => {
        const before = meta.tags;
        meta.tags = tags;
        return () => {
          meta.tags = before;
        };
      }),

    predictText: async ({ runId, text }) => {
      const r = await runPrediction({ type: 'predict-text', runDir: this.finishedRunDir(runId), text });
      if (r.type === 'error') throw new ApiError(r.message, 'failed');
      if (!('classNames' in r.result)) throw new ApiError('unexpected prediction result', 'failed');
      return r.result;
    },

    predictSeries: async ({ runId }) => {
      const runDir = this.finishedRunDir(runId);
      const meta = this.readMeta(runId)!;
      const r = await runPrediction({
        type: 'predict-series',
        runDir,
        spec: meta.spec,
        dataPath: meta.dataPath,
        maxPoints: 1000,
      });
      if (r.type === 'error') throw new ApiError(r.message, 'failed');
      if (!('points' in r.result)) throw new ApiError('unexpected prediction result', 'failed');
      return r.result;
    },

    diagnoseRun: async ({ runId }) => {
      const runDir = this.finishedRunDir(runId);
      const meta = this.readMeta(runId)!;
      if (meta.spec.data?.kind !== 'text')
        throw new ApiError(
          'Classifier diagnostics need a text classifier; this run is a time-series model (see Predict for its forecast).',
          'invalid-argument',
        );
      const r = await runDiagnosis({
        type: 'diagnose',
        runDir,
        spec: meta.spec,
        dataPath: meta.dataPath,
        maxMisclassified: 50,
      });
      if (r.type === 'error') throw new ApiError(r.message, 'failed');
      return r.result;
    },

    projectEmbedding: async ({ runId, method, words }) => {
      const r = await this.projectorJob(runId, {
        kind: 'project',
        method,
        words: words ?? DEFAULT_PROJECTOR_WORDS[method],
      });
      if (!('points' in r)) throw new ApiError('unexpected projector result', 'failed');
      return r;
    },

    nearestWords: async ({ runId, word, k }) => {
      const r = await this.projectorJob(runId, { kind: 'neighbours', word, k });
      if (!('neighbours' in r)) throw new ApiError('unexpected projector result', 'failed');
      return r;
    },

    insideRun: async ({ runId, text }) => {
      const runDir = this.finishedRunDir(runId);
      const meta = this.readMeta(runId)!;
      const r = await runInside(
        text !== undefined
          ? { type: 'inside', runDir, text }
          : { type: 'inside', runDir, spec: meta.spec, dataPath: meta.dataPath },
      );
      if (r.type === 'error') throw new ApiError(r.message, 'failed');
      return r.result;
    },

    listProjects: async () => {
      const summaries: ProjectSummary[] = [];
      const seen = new Set<string>();
      for (const f of readdirSync(this.projectsDir).filter((n) => n.endsWith('.json'))) {
        const path = join(this.projectsDir, f);
        seen.add(path);
        let st;
        try {
          st = await stat(path);
        } catch {
          continue;
        }
        let entry = this.projectIndex.get(path);
        if (!entry || entry.mtimeMs !== st.mtimeMs || entry.size !== st.size) {
          let p: Project | null = null;
          try {
            p = JSON.parse(withoutBom(await readFile(path, 'utf8'))) as Project;
          } catch {
            // Damaged: not listed (loadProject says so when asked for it by id).
          }
          const ok = p !== null && typeof p === 'object' && typeof p.id === 'string';
          entry = {
            mtimeMs: st.mtimeMs,
            size: st.size,
            summary: ok ? { id: p!.id, name: String(p!.name), updatedAt: String(p!.updatedAt) } : null,
          };
          this.projectIndex.set(path, entry);
        }
        if (entry.summary) summaries.push(entry.summary);
      }
      for (const path of this.projectIndex.keys()) if (!seen.has(path)) this.projectIndex.delete(path);
      return summaries.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    },

    loadProject: async ({ id }) => {
      const p = readJsonOrNull<Project>(join(this.projectsDir, `${id}.json`));
      if (!p) {
        throw new ApiError(
          existsSync(join(this.projectsDir, `${id}.json`))
            ? `The project file ${id}.json is damaged (not valid JSON); it was left untouched.`
            : `No project ${id}.`,
          'not-found',
        );
      }
      // Valid JSON is not yet a project: check the shape (data only; nothing in it is ever run) before the UI gets it.
      if (
        typeof p !== 'object' ||
        Array.isArray(p) ||
        p.format !== 1 ||
        typeof p.name !== 'string' ||
        typeof p.spec !== 'object' ||
        p.spec === null ||
        Array.isArray(p.spec)
      ) {
        throw new ApiError(
          `The project file ${id}.json is not an RNN Studio project (expected "format": 1, a name and a spec); it was left untouched.`,
          'invalid-argument',
        );
      }
      // The file name is the id: a copied or edited file that claims another id must not overwrite that project on save.
      return { ...p, id, updatedAt: typeof p.updatedAt === 'string' ? p.updatedAt : '' };
    },

    saveProject: async ({ id, name, spec }): Promise<ProjectSummary> => {
      const project: Project = { format: 1, id: id ?? newId(), name, updatedAt: new Date().toISOString(), spec };
      const text = `${JSON.stringify(project, null, 2)}\n`;
      const size = Buffer.byteLength(text);
      if (size > MAX_PROJECT_BYTES) {
        throw new ApiError(
          `A project is limited to ${MAX_PROJECT_BYTES / 1024 ** 2} MiB; this one is ${(size / 1024 ** 2).toFixed(1)} MiB. The saved version, if any, is unchanged.`,
          'invalid-argument',
        );
      }
      writeFileAtomic(join(this.projectsDir, `${project.id}.json`), text);
      return { id: project.id, name: project.name, updatedAt: project.updatedAt };
    },

    exportRun: async ({ runId, format, outDir }): Promise<RunExport> => {
      const runDir = this.finishedRunDir(runId);
      if (outDir !== undefined && !isAbsolute(outDir))
        throw new ApiError(
          `Export folders must be absolute paths. Received: ${JSON.stringify(outDir)}.`,
          'invalid-argument',
        );
      const dir = outDir ? normalize(outDir) : join(this.exportsDir, runId);
      const meta = this.readMeta(runId)!;
      let result;
      try {
        result = await exportRun(runDir, format, dir, { dataPath: meta.dataPath });
      } catch (e) {
        if (e instanceof ExportError)
          throw new ApiError(`Cannot export run ${runId}: ${e.message}`, 'invalid-argument');
        throw e;
      }
      const sizes = result.files.map((f) => statSync(f).size);
      const download = sizes.reduce((a, b) => a + b, 0) <= MAX_EXPORT_DOWNLOAD_BYTES;
      const bytes = await Promise.all(result.files.map((f) => readFile(f)));
      // Several files (TF.js's model.json + weights, the script + its weights and vocabulary) also come as one zip, so a
      // browser user downloads one file with the folders kept instead of loose files.
      let zip: RunExport['zip'] = null;
      if (result.files.length > 1) {
        const path = join(dir, `${meta.name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || runId}-${format}.zip`);
        const data = writeZip(
          result.files.map((f, i) => ({ name: relative(dir, f).split(sep).join('/'), data: bytes[i]! })),
        );
        writeFileAtomic(path, data);
        zip = {
          name: basename(path),
          path,
          bytes: data.length,
          contentBase64: download ? data.toString('base64') : null,
        };
      }
      return {
        format,
        dir,
        hint: result.hint,
        zip,
        files: result.files.map((f, i) => ({
          name: basename(f),
          path: f,
          bytes: sizes[i]!,
          contentBase64: download ? bytes[i]!.toString('base64') : null,
        })),
      };
    },

    listDatasets: async () =>
      DATASETS.map((d) => ({
        id: d.id,
        title: d.title,
        description: d.description,
        kind: d.kind,
        url: d.url,
        bytes: d.bytes,
        cachedPath: cachedDataset(d.id, this.datasetsDir, d.sha256)?.path ?? null,
      })),

    fetchDataset: async ({ id }) => {
      // One download per data set at a time: a second client asking for it waits for the same one.
      let pending = this.datasetFetches.get(id);
      if (!pending) {
        pending = offThread(
          {
            type: 'dataset',
            id,
            cacheDir: this.datasetsDir,
            ...(this.opts.datasetsMirror ? { baseUrl: this.opts.datasetsMirror } : {}),
          },
          (p) => {
            this.emit({
              type: 'dataset',
              id,
              progress: {
                phase: p.phase,
                bytes: p.bytes,
                total: p.total,
                bytesPerSecond: p.bytesPerSecond,
                etaSeconds: p.etaSeconds,
              },
            });
          },
        ).finally(() => this.datasetFetches.delete(id));
        this.datasetFetches.set(id, pending);
      }
      try {
        const r = await pending;
        return {
          path: r.path,
          kind: r.kind,
          sha256: r.sha256,
          checksum: r.checksumKnown ? ('verified' as const) : ('recorded' as const),
          downloaded: r.downloaded,
        };
      } catch (e) {
        if (e instanceof Error && e.name === 'DatasetError') throw new ApiError(e.message, 'unavailable');
        throw e;
      }
    },

    importModel: async ({ uploadId }): Promise<ImportedModel> => {
      const upload = this.uploads.get(uploadId);
      if (!upload?.done)
        throw new ApiError(
          `No finished upload ${JSON.stringify(uploadId)} to import: upload the model files with uploadData first.`,
          'not-found',
        );
      // The import owns its files from here: moved out of the uploads (one file system, so a rename), never shared.
      this.uploads.delete(uploadId);
      const importId = newId();
      const dir = join(this.importsDir, importId);
      mkdirSync(this.importsDir, { recursive: true });
      renameSync(upload.dir, dir);
      try {
        return { ...(await offThread({ type: 'import', dir })), id: importId, dir: join(dir, 'imported') };
      } catch (e) {
        rmSync(dir, { recursive: true, force: true });
        if (e instanceof Error && ['ImportError', 'ModelFileError', 'ExportError', 'ZipError'].includes(e.name))
          throw new ApiError(e.message, 'invalid-argument');
        throw e;
      }
    },
  };

  /**
   * Writes one uploadData call's pieces. Everything is checked before a byte is written (names stay inside the upload,
   * offsets continue each file, the call and the upload stay within their limits); the writes are asynchronous, so
   * the event loop only decodes at most UPLOAD_CHUNK_BYTES per call.
   */
  private async receiveUpload(
    id: string,
    u: Upload,
    files: ApiParams<'uploadData'>['files'],
    more: boolean,
  ): Promise<ApiResults['uploadData']> {
    if (u.done)
      throw new ApiError(
        `The upload ${JSON.stringify(id)} is finished; start a new one to send more files.`,
        'invalid-argument',
      );
    const sizes = new Map(u.files);
    let callBytes = 0;
    const pieces = files.map((f) => {
      const rel = normalize(f.relativePath).replace(/^([/\\])+/, '');
      // An uploaded name must stay inside the upload folder: no absolute paths, no "..".
      const target = resolve(u.dir, rel);
      const inside = relative(u.dir, target);
      if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
        throw new ApiError(
          `Upload file names must stay inside the upload. Received: ${JSON.stringify(f.relativePath)}.`,
          'invalid-argument',
        );
      }
      const offset = f.offset ?? 0;
      const have = sizes.get(inside) ?? 0;
      if (offset !== have)
        throw new ApiError(
          `${f.relativePath}: expected the piece at offset ${have} (the bytes received so far), received offset ${offset}.`,
          'invalid-argument',
        );
      const length =
        (f.contentBase64.length / 4) * 3 - (f.contentBase64.endsWith('==') ? 2 : f.contentBase64.endsWith('=') ? 1 : 0);
      callBytes += length;
      sizes.set(inside, have + length);
      return { target, inside, offset, base64: f.contentBase64 };
    });
    // A name that is a file and also a folder of another (`a` and `a/b`) cannot both be stored: say so before writing.
    const names = [...sizes.keys()];
    const asFolders = new Set(
      names.flatMap((n) =>
        n
          .split(sep)
          .slice(0, -1)
          .map((_, i, parts) => parts.slice(0, i + 1).join(sep)),
      ),
    );
    const clash = names.find((n) => asFolders.has(n));
    if (clash)
      throw new ApiError(
        `Upload file names must not use a file as a folder: ${JSON.stringify(clash)} is a file and also a folder of another file in this upload.`,
        'invalid-argument',
      );
    if (callBytes > UPLOAD_CHUNK_BYTES)
      throw new ApiError(
        `One uploadData call carries at most ${UPLOAD_CHUNK_BYTES / 1024 ** 2} MiB of content; received ${callBytes} bytes. Send the rest in further calls with the upload id.`,
        'invalid-argument',
      );
    if (u.bytes + callBytes > MAX_UPLOAD_BYTES)
      throw new ApiError(
        `Uploads are limited to ${MAX_UPLOAD_BYTES / 1024 ** 3} GiB; received more than that in ${sizes.size} file(s). Put larger data on the training machine and give its path.`,
        'invalid-argument',
      );
    try {
      for (const p of pieces) {
        await mkdir(dirname(p.target), { recursive: true });
        const fh = await open(p.target, p.offset === 0 ? 'w' : 'r+');
        try {
          const bytes = Buffer.from(p.base64, 'base64');
          for (let at = 0; at < bytes.length;) {
            const { bytesWritten } = await fh.write(bytes, at, bytes.length - at, p.offset + at);
            if (bytesWritten <= 0)
              throw new Error(`ENOSPC: no space left on device, wrote ${at} of ${bytes.length} bytes`);
            at += bytesWritten;
          }
        } finally {
          await fh.close();
        }
        u.files.set(p.inside, sizes.get(p.inside)!);
      }
    } catch (e) {
      // A failed write (a full disk) ends the upload: its partial files are removed, never trained on.
      this.uploads.delete(id);
      rmSync(u.dir, { recursive: true, force: true });
      const code = (e as NodeJS.ErrnoException).code;
      const full = code === 'ENOSPC' || code === 'EDQUOT' || (e instanceof Error && e.message.startsWith('ENOSPC'));
      throw new ApiError(
        `The upload could not be stored (${full ? 'the disk is full' : (code ?? (e instanceof Error ? e.message : String(e)))}). Nothing of it was kept${full ? '; free some disk space and upload again' : ''}.`,
        'failed',
      );
    }
    u.bytes += callBytes;
    const path = this.uploadPath(u);
    if (!more) {
      // Finished: only its folder is still needed (importModel takes it); a folder of 50,000 names is not kept.
      u.done = true;
      u.files.clear();
    }
    return { uploadId: id, path, bytes: u.bytes };
  }

  /** One file → its path; a folder upload → the folder that holds everything (the common top folder if there is one). */
  private uploadPath(u: Upload): string {
    const names = [...u.files.keys()];
    if (names.length === 1) return join(u.dir, names[0]!);
    const tops = new Set(names.map((n) => n.split(/[/\\]/)[0]));
    return tops.size === 1 && names.every((n) => /[/\\]/.test(n)) ? join(u.dir, [...tops][0]!) : u.dir;
  }

  /** The Embedding projector's job on a finished text run whose model starts with an Embedding (else a clear ApiError). */
  private async projectorJob(runId: string, request: ProjectorRequest): Promise<FileJobResults['projector']> {
    const runDir = this.finishedRunDir(runId);
    const spec = this.readMeta(runId)!.spec;
    if (spec.data?.kind !== 'text' || !spec.layers.some((l) => l.className === TOKEN_LAYER_CLASS)) {
      throw new ApiError(
        `This run has no Embedding layer (its layers: ${spec.layers.map((l) => l.className).join(' → ') || 'none'}); the projector shows the word vectors of a text model that starts with an Embedding.`,
        'invalid-argument',
      );
    }
    try {
      return await offThread({ type: 'projector', runDir, request });
    } catch (e) {
      if (e instanceof Error && ['ProjectorError', 'ModelFileError', 'DataError'].includes(e.name))
        throw new ApiError(e.message, 'invalid-argument');
      throw e;
    }
  }

  /**
   * Changes a run's record (its name, its tags) and saves it: `change` edits the meta and returns how to undo that when
   * the save fails. A live run's meta is the one its events keep saving, so the change stays through them.
   */
  private updateMeta(runId: string, verb: string, change: (meta: RunMeta) => () => void): RunSummary {
    const meta = this.readMeta(runId);
    if (!meta) throw new ApiError(`No run ${runId}.`, 'not-found');
    const undo = change(meta);
    if (!this.unsaved.has(runId)) {
      try {
        this.saveMeta(meta);
      } catch (err) {
        undo();
        throw new ApiError(
          `Could not ${verb} run ${runId}: ${err instanceof Error ? err.message : String(err)}.`,
          'failed',
        );
      }
    }
    this.emit({ type: 'runs-changed' });
    return this.summarize(meta);
  }

  private finishedRunDir(runId: string): string {
    const meta = this.readMeta(runId);
    if (!meta) throw new ApiError(`No run ${runId}.`, 'not-found');
    if (this.active.has(runId))
      throw new ApiError('This run is still training; predict once it has finished.', 'invalid-argument');
    const folder = this.runFolder(runId);
    if (!folder.hasModel())
      throw new ApiError(`Run ${runId} saved no model${meta.error ? ` (${meta.error})` : ''}.`, 'not-found');
    return folder.dir;
  }

  /** Stops every run in progress (app quit); resolves when their workers have ended. */
  async shutdown(): Promise<void> {
    const runs = [...this.active.values()];
    for (const r of runs) r.handle.stop();
    await Promise.all([...runs.map((r) => r.handle.finished), stopFileWorkers()]);
  }
}
