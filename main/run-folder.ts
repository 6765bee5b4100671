/**
 * A run's folder, in one place: every host (the training worker, the studio service, the CLI, export, the
 * predictor) reaches the files of a run through this module, so the layout is written down once and a run trained
 * by the CLI and one trained in the studio are the same folder to everything that reads them.
 *
 *   spec.json            the spec as trained (epochs resolved): the host, when the run starts
 *   run.json             the studio's record of the run (status, data, result, tags): the studio service
 *   metrics.jsonl        one line per batch and per epoch, appended as they happen: the worker
 *   gradient-flow.jsonl  sampled per-timestep gradient norms, one line per sampled batch: the worker
 *   histograms.jsonl     weight and gradient histograms, one line per epoch: the worker
 *   model/               the trained model, TF.js layers format: the worker, at the end
 *   preprocessing.json   the vocabulary or the normalisation the data went through: the worker, at the end
 *   summary.txt          what the CLI printed: the CLI
 *
 * Reads tolerate what a crash leaves (a torn last line, a missing file); writes of whole files are atomic
 * (storage.ts), appends are line by line so that a reader never sees half a record as a record.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../shared/data-error.js';
import type { ModelSpec } from '../shared/model-spec.js';
import type { BatchRecord, EpochRecord } from '../shared/training-records.js';
import { withoutBom } from './interop/json-text.js';
import { readJsonLines, readJsonOrNull, writeFileAtomic, writeJsonAtomic } from './studio/storage.js';

export const RUN_FILES = {
  spec: 'spec.json',
  meta: 'run.json',
  metrics: 'metrics.jsonl',
  gradientFlow: 'gradient-flow.jsonl',
  histograms: 'histograms.jsonl',
  model: 'model',
  preprocessing: 'preprocessing.json',
  summary: 'summary.txt',
} as const;
export type RunFile = keyof typeof RUN_FILES;

/** A run folder that cannot be read as one: the message names the folder and what was expected. */
export class RunFolderError extends Error {}

/** The three logs the worker appends to while it trains. */
export interface RunLogs {
  metric(record: object): void;
  gradientFlow(sample: object): void;
  histogram(record: object): void;
}

export class RunFolder {
  constructor(readonly dir: string) {}

  path(file: RunFile): string {
    return join(this.dir, RUN_FILES[file]);
  }

  get modelDir(): string {
    return this.path('model');
  }

  /** True when a model was saved whole (model.json present and not empty: a crash mid-save leaves it empty). */
  hasModel(): boolean {
    const json = join(this.modelDir, 'model.json');
    return existsSync(json) && statSync(json).size > 0;
  }

  /** Creates the folder and empties the three logs (a continued run starts its own); returns their appenders. */
  openLogs(): RunLogs {
    mkdirSync(this.dir, { recursive: true });
    const files = [this.path('metrics'), this.path('gradientFlow'), this.path('histograms')] as const;
    for (const f of files) writeFileSync(f, '');
    const append = (file: string) => (r: object) => appendFileSync(file, `${JSON.stringify(r)}\n`);
    return { metric: append(files[0]), gradientFlow: append(files[1]), histogram: append(files[2]) };
  }

  writeSpec(spec: ModelSpec): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileAtomic(this.path('spec'), `${JSON.stringify(spec, null, 2)}\n`);
  }

  /**
   * The spec the run was trained from: spec.json, else run.json's `spec` (studio runs saved before the studio
   * wrote spec.json too).
   */
  readSpec(): ModelSpec {
    for (const [file, pick] of [
      ['spec', (j: unknown) => j],
      ['meta', (j: unknown) => (j as { spec?: unknown } | null)?.spec],
    ] as const) {
      const p = this.path(file);
      if (!existsSync(p)) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(withoutBom(readFileSync(p, 'utf8')));
      } catch (e) {
        throw new RunFolderError(`${p}: expected JSON, received text that does not parse (${(e as Error).message}).`);
      }
      const spec = pick(parsed);
      if (spec && typeof spec === 'object' && Array.isArray((spec as ModelSpec).layers)) return spec as ModelSpec;
      throw new RunFolderError(`${p}: expected a model spec, received something else.`);
    }
    throw new RunFolderError(`${this.dir}: expected a run folder with spec.json or run.json, received neither.`);
  }

  writeMeta(meta: object): void {
    writeJsonAtomic(this.path('meta'), meta);
  }

  readMeta<T>(): T | null {
    return readJsonOrNull<T>(this.path('meta'));
  }

  hasMeta(): boolean {
    return existsSync(this.path('meta'));
  }

  writePreprocessing(preprocessing: unknown): string {
    const p = this.path('preprocessing');
    writeFileAtomic(p, JSON.stringify(preprocessing));
    return p;
  }

  /** preprocessing.json (the vocabulary or the normalisation), or null when the run saved none. */
  readPreprocessing<T>(): T | null {
    const p = this.path('preprocessing');
    if (!existsSync(p)) return null;
    try {
      return JSON.parse(withoutBom(readFileSync(p, 'utf8'))) as T;
    } catch (e) {
      throw new RunFolderError(`${p}: expected JSON, received text that does not parse (${(e as Error).message}).`);
    }
  }

  /**
   * The preprocessing a saved model takes its input through, for a job that needs it (`purpose`: "predict with",
   * "diagnose", "look inside"): a DataError naming the file when the run saved none or it does not parse.
   */
  requirePreprocessing<T>(purpose: string): T {
    let pre: T | null = null;
    try {
      pre = this.readPreprocessing<T>();
    } catch {
      // Unreadable is as good as missing for the user: the run has no model to use.
    }
    if (pre === null)
      throw new DataError(
        `This run has no saved model to ${purpose} (preprocessing.json is missing): it may have failed before training finished.`,
        { file: this.path('preprocessing') },
      );
    return pre;
  }

  writeSummary(lines: string[]): void {
    writeFileAtomic(this.path('summary'), `${lines.join('\n')}\n`);
  }

  readEpochs(): EpochRecord[] | null {
    return readJsonLines<EpochRecord>(this.path('metrics'), '"kind":"epoch"');
  }

  readBatches(): BatchRecord[] {
    return readJsonLines<BatchRecord>(this.path('metrics'), '"kind":"batch"') ?? [];
  }

  readGradientFlow<T>(): T[] {
    return readJsonLines<T>(this.path('gradientFlow')) ?? [];
  }

  readHistograms<T>(): T[] {
    return readJsonLines<T>(this.path('histograms')) ?? [];
  }
}
