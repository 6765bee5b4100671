/**
 * The one API between the studio's UI (renderer) and its back end (main side). Declared once here, implemented
 * once by `main/studio/studio-service.ts`, consumed once in the renderer through the `StudioApi` object its host
 * hands it. Two transports carry it: Electron IPC (preload) and a WebSocket (the browser host).
 * Every call's parameters have a zod schema; both transports validate with it before the service sees anything.
 */
import { z } from 'zod';
import type { DataSpec, ModelSpec } from './model-spec.js';
import type { BackendInfo, DataSummary, RecurrencePath, TextCorpusInfo, WorkerEvent } from './worker-protocol.js';
import type { InsideResult, SeriesPrediction, TextPrediction } from './prediction-types.js';
import type { HiddenGradientSample } from './gradient-flow.js';
import type { HistogramRecord } from './histograms.js';
import type { RunEstimate } from './estimate.js';
import type { ClassifierDiagnostics } from './classifier-metrics.js';
import type { ReplayReport, RunProvenance } from './replay.js';
import type { BatchRecord, EpochRecord, RunStatus, TrainResult } from './training-records.js';
import type { LayerInfo, SpecIssue } from './shape-inference.js';
import type { EmbeddingProjection, WordNeighbours } from './projector.js';
import { MAX_SPEC_DEPTH, nestingDepth } from './shape-inference.js';
import { API_METHODS } from './api-methods.js';
import { MAX_RUN_TAGS, normalizeRunTags, runTagProblem } from './run-tags.js';
import type { ApiMethod } from './api-methods.js';

export { API_METHODS };
export type { ApiMethod };
export type { InsideLayer, InsideResult, InsideSeries, SeriesPrediction, TextPrediction } from './prediction-types.js';

/** Where the UI runs: inside Electron, or in a browser against `npm run web`. */
export type HostKind = 'electron' | 'web';

export interface EngineInfo {
  host: HostKind;
  appVersion: string;
  /** The backend the last run used, or null before the first run (the choice is made in the worker). */
  backend: BackendInfo | null;
  userDataDir: string;
  /** Native file dialogs exist only in Electron; the browser uploads instead. */
  canPickPaths: boolean;
}

/** A bundled data set with a ready spec for it. */
export interface SampleInfo {
  id: string;
  title: string;
  description: string;
  spec: ModelSpec;
}

/** What the data panel shows before training. */
export type DataPreview = TextDataPreview | TimeSeriesDataPreview;

export interface TextDataPreview extends TextCorpusInfo {
  examples: { text: string; label: string }[];
  /** Histogram of token counts per document; the cut-off (`input.length`) is drawn on it. */
  lengthHistogram: { from: number; to: number; count: number }[];
}

export interface TimeSeriesDataPreview {
  kind: 'timeseries';
  path: string;
  rows: number;
  columns: string[];
  /** The first rows as text, for the preview table. */
  head: string[][];
  featureNames: string[];
  target: string;
  /** The target over time, down-sampled to at most ~1,000 points: row numbers, values (original units) and, when the date column parses, the time (ms, UTC). */
  series: { row: number; value: number; time?: number }[];
  /** Seconds between rows (the median step of the date column), or null without parseable dates. */
  samplingSeconds: number | null;
  rowRanges: { train: [number, number]; val: [number, number]; test: [number, number] };
}

export type RunState = 'running' | 'paused' | RunStatus;

export interface RunSummary {
  id: string;
  name: string;
  createdAt: string;
  status: RunState;
  epochsRun: number;
  epochs: number;
  /** The best value of each validation log over the epochs (min for losses, max for accuracy). */
  best: Record<string, number>;
  backend: string | null;
  dataKind: 'text' | 'timeseries' | null;
  error: string | null;
  /** The template family the run's spec came from ("New from template"), or null. */
  templateFamily: string | null;
  /** The weights the run started from, when not fresh ones. */
  initialWeights: WeightsSource | null;
  /** True for a run that only evaluated its initial weights. */
  evaluateOnly: boolean;
  /** Free labels set with setRunTags (trimmed, deduplicated; empty for runs never tagged). */
  tags: string[];
}

export interface RunDetail extends RunSummary {
  spec: ModelSpec;
  layers: LayerInfo[];
  dataSummary: DataSummary | null;
  result: TrainResult | null;
  epochRecords: EpochRecord[];
  /** Batch records, thinned to at most ~2,000 for long runs. */
  batchRecords: BatchRecord[];
  /** Which recurrent layers ran on the fused kernels (only those report the gradient flow through time). */
  recurrence: RecurrencePath[];
  /** Sampled ‖∂L/∂h_t‖ per fused recurrent layer, thinned to at most ~400 samples. */
  gradientFlow: HiddenGradientSample[];
  /** Per-epoch histograms of every trainable tensor and its last-batch gradient (histograms.jsonl), at most ~200 epochs; absent for older servers. */
  histograms?: HistogramRecord[];
  /** Seed, data hash, preprocessing, spec, versions, backend and kernels (null for runs recorded before it existed). */
  provenance: RunProvenance | null;
  /** For a replay: the run it repeats and whether the metrics matched (null until it ends, and for other runs). */
  replayOf: string | null;
  replay: ReplayReport | null;
  /** The probe's estimate made before Start for this spec, when there was one. */
  estimate: RunEstimate | null;
  /** Problems that did not stop the run (memory past half of the machine), on their layers; absent for older servers. */
  warnings?: SpecIssue[];
}

export interface ProjectSummary {
  id: string;
  name: string;
  updatedAt: string;
}

/** A saved project: the spec (model + training + data settings) and its name. */
export interface Project extends ProjectSummary {
  format: 1;
  spec: ModelSpec;
}

/** Export formats of a trained run: Keras 3 `.keras`, the TF.js layers format, a runnable Keras 3 training script. */
export const EXPORT_FORMATS = ['keras', 'tfjs', 'python'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportedFile {
  name: string;
  /** Where the main side wrote it. */
  path: string;
  bytes: number;
  /** The content, for the browser to download; null when the export is larger than MAX_EXPORT_DOWNLOAD_BYTES. */
  contentBase64: string | null;
}

export interface RunExport {
  format: ExportFormat;
  /** The folder the files were written to. */
  dir: string;
  files: ExportedFile[];
  /** The same files in one zip (folders kept), for formats that write more than one file; null otherwise. */
  zip: ExportedFile | null;
  /** How to use them, one line (e.g. the Keras call that loads the file). */
  hint: string;
}

/** Weights a run can start from: a finished run's trained model, or an imported model's converted weights. */
export interface WeightsSource {
  kind: 'run' | 'import';
  id: string;
}

/** What importing a Keras / TF.js model file gives: a spec for the canvas, and where its weights were kept. */
export interface ImportedModel {
  /** Names the import for `startRun`'s `initialWeights` ({ kind: 'import', id }). */
  id: string;
  source: 'keras' | 'keras-json' | 'tfjs';
  spec: ModelSpec;
  /** Settings dropped or changed on the way in, one sentence each. */
  warnings: string[];
  /** What validation still finds in the imported spec (shown on the canvas too). */
  issues: SpecIssue[];
  /** True when the file's weights were converted (kept in `dir`/model as a TF.js model). */
  hasWeights: boolean;
  /** Why there are no weights, when there are none. */
  weightsNote: string | null;
  /** The folder holding the imported spec.json (and model/). */
  dir: string;
}

/** Exports whose files add up to more than this are written to disk only (no download through the API). */
export const MAX_EXPORT_DOWNLOAD_BYTES = 64 * 1024 * 1024;

/**
 * The largest upload through `uploadData`, in bytes of file content: the size limit the data readers apply to one file
 * (1 GiB). An upload arrives in calls of at most UPLOAD_CHUNK_BYTES each, so no single message is large.
 */
export const MAX_UPLOAD_BYTES = 1024 ** 3;
/**
 * The most file content one `uploadData` call may carry (decoded bytes). Small enough that parsing and decoding one
 * call stays within a few milliseconds on the host's event loop, which every other client shares.
 */
export const UPLOAD_CHUNK_BYTES = 4 * 1024 ** 2;
/**
 * The largest WebSocket message the browser host accepts: one upload chunk in base64 (4/3 of UPLOAD_CHUNK_BYTES) plus
 * its file names, with room to spare. A larger message closes that connection (1009), never the host.
 */
export const MAX_WIRE_MESSAGE_BYTES = 8 * 1024 ** 2;
/** The largest project a save accepts (its JSON): a spec of 200 layers is about 100 KB. */
export const MAX_PROJECT_BYTES = 4 * 1024 ** 2;

/** One of the book's data sets (`keras.datasets`-style): downloaded on first use into the user-data folder. */
export interface DatasetInfo {
  id: 'imdb' | 'jena';
  title: string;
  description: string;
  kind: 'text' | 'timeseries';
  url: string;
  /** Archive size in bytes, when documented. */
  bytes: number | null;
  /** The path to train on when it is already downloaded and extracted, else null. */
  cachedPath: string | null;
}

/** How far a data set download is (phase: download, checksum verification, extraction). */
export interface DatasetProgress {
  phase: 'download' | 'verify' | 'extract';
  bytes: number;
  total: number | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
}

/** Events pushed from the main side. */
export type StudioEvent =
  | { type: 'run'; runId: string; event: WorkerEvent }
  | { type: 'runs-changed' }
  | { type: 'dataset'; id: DatasetInfo['id']; progress: DatasetProgress };

// Parameter schemas. Specs are checked structurally here (sizes bounded) and semantically by analyzeModel.
const id = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'an id of letters, digits, _ and -');
const uploadIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/, 'an upload id as uploadData returned it');
/**
 * Standard base64 (RFC 4648 §4, padded): Buffer.from(…, 'base64') skips any other character without a word, so an
 * upload of invalid text would be stored as an empty or shortened file.
 */
const base64 = z.string().refine((s) => s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s), {
  message: 'must be base64 (A–Z, a–z, 0–9, +, / and = padding, a multiple of 4 characters long)',
});
/** A spec nested deeper than any real one (MAX_SPEC_DEPTH) is refused before anything walks it recursively. */
const shallow = (v: unknown) => nestingDepth(v, MAX_SPEC_DEPTH + 1) <= MAX_SPEC_DEPTH;
const specSchema = z
  .looseObject({
    format: z.number(),
    name: z.string().max(200),
    input: z.looseObject({ kind: z.string() }),
    layers: z.array(z.looseObject({ className: z.string().max(100) })).max(200),
  })
  .refine(shallow, { message: `must nest at most ${MAX_SPEC_DEPTH} levels deep` }) as unknown as z.ZodType<ModelSpec>;
const dataSchema = z.looseObject({
  kind: z.enum(['text', 'timeseries']),
  path: z.string().min(1).max(4096),
}) as unknown as z.ZodType<DataSpec>;

export const API_SCHEMAS = {
  getEngineInfo: z.object({}),
  listSamples: z.object({}),
  previewData: z.object({ data: dataSchema }),
  uploadData: z.object({
    name: z.string().min(1).max(200),
    files: z
      .array(
        z.object({
          relativePath: z
            .string()
            .min(1)
            .max(1000)
            .refine((n) => !n.includes('\0'), { message: 'must not contain a NUL character' }),
          /** Where this piece goes in the file: the bytes of that file already sent (0 for a new file). */
          offset: z.number().int().min(0).max(MAX_UPLOAD_BYTES).optional(),
          contentBase64: base64,
        }),
      )
      .min(1)
      .max(10_000),
    /** Continues the upload this id names (returned by the call that started it). */
    uploadId: uploadIdSchema.optional(),
    /** More calls follow for this upload: the answer's path is final only on the call without `more`. */
    more: z.boolean().optional(),
  }),
  pickDataPath: z.object({ kind: z.enum(['file', 'folder']) }),
  startRun: z.object({
    spec: specSchema,
    gradientFlowEvery: z.number().int().min(0).max(100_000).optional(),
    /** Start from these weights instead of fresh (seeded) ones: a finished run's, or an imported model's. */
    initialWeights: z.object({ kind: z.enum(['run', 'import']), id }).optional(),
    /** Only evaluate the initial weights on the spec's data (no training): a run with its metrics, usable for Predict. */
    evaluateOnly: z.boolean().optional(),
  }),
  controlRun: z.object({ runId: id, action: z.enum(['pause', 'resume', 'stop', 'sample-gradients']) }),
  listRuns: z.object({}),
  getRun: z.object({ runId: id }),
  deleteRun: z.object({ runId: id }),
  /** Renames a run (its name starts as the spec's): trimmed, 1 to 200 characters. */
  renameRun: z.object({
    runId: id,
    name: z
      .string()
      .trim()
      .min(1, { message: 'A run needs a name' })
      .max(200, { message: 'Run names are limited to 200 characters' })
      .refine((n) => [...n].every((c) => c >= ' ' && c !== '\x7f'), { message: 'must not contain control characters' }),
  }),
  /** Replaces a run's tags: each trimmed, 1 to 40 characters; at most 10 once duplicates are dropped. */
  setRunTags: z.object({
    runId: id,
    tags: z
      .array(
        z
          .string()
          .max(1000)
          .superRefine((t, ctx) => {
            const problem = runTagProblem(t);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          }),
      )
      .max(100)
      .transform(normalizeRunTags)
      .refine((t) => t.length <= MAX_RUN_TAGS, { message: `A run has at most ${MAX_RUN_TAGS} tags` }),
  }),
  predictText: z.object({ runId: id, text: z.string().max(100_000) }),
  predictSeries: z.object({ runId: id }),
  /** A finished text classifier's confusion matrix, ROC/PR curves and mistakes on its validation split. */
  diagnoseRun: z.object({ runId: id }),
  /** Look inside the recurrent layers: on `text` (text runs) or the last validation window (time-series runs). */
  insideRun: z.object({ runId: id, text: z.string().max(100_000).optional() }),
  listProjects: z.object({}),
  loadProject: z.object({ id }),
  saveProject: z.object({ id: id.optional(), name: z.string().min(1).max(200), spec: specSchema }),
  exportRun: z.object({ runId: id, format: z.enum(EXPORT_FORMATS), outDir: z.string().min(1).max(4096).optional() }),
  /** Imports the model files of a finished upload (`uploadData`), which it takes over. */
  importModel: z.object({ uploadId: uploadIdSchema }),
  estimateRun: z.object({ spec: specSchema }),
  replayRun: z.object({ runId: id }),
  listDatasets: z.object({}),
  fetchDataset: z.object({ id: z.enum(['imdb', 'jena']) }),
  /** The Embedding projector (finished text runs): the most frequent `words` (default 2,000 PCA / 1,000 t-SNE) in 2-D. */
  projectEmbedding: z.object({
    runId: id,
    method: z.enum(['pca', 'tsne']),
    words: z.number().int().min(2).max(2000).optional(),
  }),
  /** The `k` words nearest to `word` by cosine similarity over the whole Embedding. */
  nearestWords: z.object({ runId: id, word: z.string().min(1).max(200), k: z.number().int().min(1).max(100) }),
} as const satisfies { [M in ApiMethod]: z.ZodType };

export type ApiParams<M extends ApiMethod> = z.infer<(typeof API_SCHEMAS)[M]>;

/** What each call resolves to. */
export interface ApiResults {
  getEngineInfo: EngineInfo;
  listSamples: SampleInfo[];
  previewData: DataPreview;
  /** `path`: what to train on (final once a call is sent without `more`); `uploadId`: to continue or import it. */
  uploadData: { uploadId: string; path: string; bytes: number };
  pickDataPath: { path: string | null };
  startRun: { runId: string };
  controlRun: { ok: true };
  listRuns: RunSummary[];
  getRun: RunDetail;
  deleteRun: { ok: true };
  renameRun: RunSummary;
  setRunTags: RunSummary;
  predictText: TextPrediction;
  predictSeries: SeriesPrediction;
  diagnoseRun: ClassifierDiagnostics;
  insideRun: InsideResult;
  listProjects: ProjectSummary[];
  loadProject: Project;
  saveProject: ProjectSummary;
  exportRun: RunExport;
  importModel: ImportedModel;
  estimateRun: RunEstimate;
  replayRun: { runId: string };
  listDatasets: DatasetInfo[];
  /** `path`: what to train on; `checksum`: verified against a published SHA-256, or recorded (none published). */
  fetchDataset: {
    path: string;
    kind: DatasetInfo['kind'];
    sha256: string;
    checksum: 'verified' | 'recorded';
    downloaded: boolean;
  };
  projectEmbedding: EmbeddingProjection;
  nearestWords: WordNeighbours;
}

/** The calls, as the renderer sees them: one async function per method. */
export type StudioCalls = { [M in ApiMethod]: (params: ApiParams<M>) => Promise<ApiResults[M]> };

/** What a host hands the renderer: the calls plus a subscription to events. */
export interface StudioApi extends StudioCalls {
  /** Subscribes to main-side events; returns the unsubscribe function. */
  onEvent(listener: (event: StudioEvent) => void): () => void;
}

/** Raised by the service for a user-facing problem (bad input, missing run); transports carry the message. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: 'invalid-argument' | 'not-found' | 'unavailable' | 'failed' = 'failed',
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * Validates one call's parameters against its schema; returns them parsed or throws ApiError with every problem,
 * e.g. `getRun: runId must be an id of letters, digits, _ and -. Received: "../x".`
 */
export function validateParams<M extends ApiMethod>(method: M, params: unknown): ApiParams<M> {
  const schema = API_SCHEMAS[method];
  if (!schema) throw new ApiError(`Unknown API method ${JSON.stringify(method)}.`, 'invalid-argument');
  const r = schema.safeParse(params ?? {});
  if (r.success) return r.data as ApiParams<M>;
  const problems = r.error.issues.map((i) => `${i.path.join('.') || 'params'} ${i.message}`);
  throw new ApiError(`${method}: invalid arguments: ${problems.join('; ')}.`, 'invalid-argument');
}

/** The WebSocket wire format. */
export type WireRequest = { id: number; method: string; params: unknown };
export type WireMessage =
  { id: number; result: unknown } | { id: number; error: { message: string; code: string } } | { event: StudioEvent };
