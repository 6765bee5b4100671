/**
 * The file work the API does (reading data for a preview, importing a model, fetching a data set) as
 * plain functions of plain data, so that it runs in a worker thread (file-worker.ts) and never on the host's event
 * loop, which every client shares: a 43 MiB CSV parsed there stalled every other client for seconds.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSpec } from '../../shared/model-spec.js';
import type { DataPreview, ImportedModel } from '../../shared/api.js';
import { previewData } from './data-preview.js';
import { importModelFile, writeImport } from '../interop/import.js';
import { fetchDataset } from '../data/datasets.js';
import type { DatasetId, FetchDatasetResult, FetchProgress } from '../data/datasets.js';
import { runProjectorJob } from './projector-job.js';
import type { ProjectorRequest } from './projector-job.js';
import type { EmbeddingProjection, WordNeighbours } from '../../shared/projector.js';

export type FileJob =
  | { type: 'preview'; data: DataSpec; path: string }
  /** Imports the model files in `dir` (a finished upload), writing the result to `dir`/imported. */
  | { type: 'import'; dir: string }
  /** Downloads (or finds in the cache), verifies and extracts one of the book's data sets. */
  | { type: 'dataset'; id: DatasetId; cacheDir: string; baseUrl?: string }
  /** The Embedding projector: a finished text run's word vectors in 2-D, or a word's nearest neighbours. */
  | { type: 'projector'; runDir: string; request: ProjectorRequest };

export interface FileJobResults {
  preview: DataPreview;
  import: Omit<ImportedModel, 'dir' | 'id'>;
  dataset: FetchDatasetResult;
  projector: EmbeddingProjection | WordNeighbours;
}

/** What a failed job reports: the error's class name decides how the API reports it (bad input or a failure). */
export interface FileJobError {
  name: string;
  message: string;
}

/** Every file below `dir` (not folders), in sorted path order. */
function filesUnder(dir: string): string[] {
  const all: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else all.push(p);
    }
  };
  walk(dir);
  return all;
}

/** The model file among an upload's files: a .keras, else the TF.js model.json (it names its weight files), else JSON. */
function mainModelFile(dir: string): string {
  const files = filesUnder(dir);
  if (files.length === 0) throw Object.assign(new Error('The upload holds no files.'), { name: 'ImportError' });
  const isTfjs = (p: string) =>
    statSync(p).size < 64 * 1024 ** 2 && readFileSync(p, 'utf8').includes('"modelTopology"');
  return (
    files.find((p) => p.endsWith('.keras')) ??
    files.find((p) => p.endsWith('.json') && isTfjs(p)) ??
    files.find((p) => p.endsWith('.json')) ??
    files[0]!
  );
}

/** `progress`: what a long job (a data set download) reports on the way; the host forwards it to the clients. */
export async function runFileJob(
  job: FileJob,
  progress: (p: FetchProgress) => void = () => {},
): Promise<FileJobResults[FileJob['type']]> {
  switch (job.type) {
    case 'preview':
      return previewData(job.data, job.path);
    case 'import': {
      const main = mainModelFile(job.dir);
      const result = await importModelFile(main);
      writeImport(result, join(job.dir, 'imported'));
      return {
        source: result.source,
        spec: result.spec,
        warnings: result.warnings,
        issues: result.issues,
        hasWeights: result.weights !== null,
        weightsNote: result.weightsNote,
      };
    }
    case 'dataset':
      return fetchDataset(job.id, {
        cacheDir: job.cacheDir,
        onProgress: progress,
        ...(job.baseUrl ? { baseUrl: job.baseUrl } : {}),
      });
    case 'projector':
      return runProjectorJob(job.runDir, job.request);
    default: {
      const never: never = job;
      throw new Error(`unknown file job ${JSON.stringify(never)}`);
    }
  }
}
