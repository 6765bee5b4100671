/**
 * The Embedding projector's file job (file-jobs.ts 'projector'): reads a finished text run's saved model (model.json +
 * weights, without TensorFlow) and its tokenizer (preprocessing.json), finds the Embedding weight, and projects its
 * most frequent words' rows (PCA or t-SNE) or lists a word's nearest neighbours. Runs in the file worker.
 */
import { RunFolder } from '../run-folder.js';
import { join } from 'node:path';
import { readTfjsModel } from '../interop/tfjs-artifacts.js';
import type { NamedWeight } from '../interop/tfjs-artifacts.js';
import { Tokenizer } from '../data/tokenizer.js';
import { nearestByCosine, pca, pickRows, tsne, tsnePerplexity, TSNE_DEFAULTS } from '../../shared/projector.js';
import type { EmbeddingProjection, ProjectorMethod, WordNeighbours } from '../../shared/projector.js';
import { TOKEN_LAYER_CLASS } from '../../shared/layer-catalog.js';

export type ProjectorRequest =
  { kind: 'project'; method: ProjectorMethod; words: number } | { kind: 'neighbours'; word: string; k: number };

/** Most words a projection takes (t-SNE is O(n²) per step). */
export const MAX_PROJECTOR_WORDS = 2000;
/** Words projected when the call does not say: all of PCA's cap; t-SNE's ~3 s on one core. */
export const DEFAULT_PROJECTOR_WORDS: Record<ProjectorMethod, number> = { pca: 2000, tsne: 1000 };

/** A run the projector cannot read (no Embedding, no vocabulary, unknown word): the API reports it as bad input. */
export class ProjectorError extends Error {
  override name = 'ProjectorError';
}

/** The names of the Embedding layers in a TF.js model topology, wherever they are nested. */
function embeddingLayerNames(topology: unknown): string[] {
  const names: string[] = [];
  const walk = (v: unknown, depth: number) => {
    if (depth > 64 || typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    const config = o['config'];
    if (
      o['class_name'] === TOKEN_LAYER_CLASS &&
      typeof config === 'object' &&
      config !== null &&
      typeof (config as Record<string, unknown>)['name'] === 'string'
    ) {
      names.push((config as Record<string, unknown>)['name'] as string);
    }
    for (const x of Object.values(o)) walk(x, depth + 1);
  };
  walk(topology, 0);
  return names;
}

interface LoadedEmbedding {
  weight: NamedWeight;
  rows: number;
  dim: number;
  /** Rows that have a word, most frequent first (index 0 = padding and the OOV row left out). */
  wordRows: number[];
  words: Map<number, string>;
  counts: Map<number, number>;
  tokenizer: Tokenizer;
}

function loadEmbedding(runDir: string): LoadedEmbedding {
  const folder = new RunFolder(runDir);
  const modelJson = join(folder.modelDir, 'model.json');
  if (!folder.hasModel())
    throw new ProjectorError(
      'This run saved no model (model/model.json is missing): it may have failed before training finished.',
    );
  const { json, weights } = readTfjsModel(modelJson);
  const layers = embeddingLayerNames(json.modelTopology);
  const weight =
    layers.map((l) => weights.find((w) => w.name === `${l}/embeddings`)).find((w) => w !== undefined) ??
    (layers.length > 0
      ? weights.find((w) => /(^|\/)embeddings(_\d+)?$/.test(w.name) && w.shape.length === 2)
      : undefined);
  if (!weight || weight.shape.length !== 2) {
    throw new ProjectorError(
      `This run has no Embedding layer (its model's weights are ${
        weights
          .map((w) => w.name)
          .slice(0, 6)
          .join(', ') || 'none'
      }); the projector shows the word vectors of a text model that starts with an Embedding.`,
    );
  }
  const [rows, dim] = weight.shape as [number, number];
  const pre = folder.readPreprocessing<{ kind?: string; tokenizer?: unknown }>();
  if (!pre) throw new ProjectorError('This run has no Embedding vocabulary (preprocessing.json is missing).');
  if (pre.kind !== 'text' || !pre.tokenizer)
    throw new ProjectorError('This run has no Embedding layer over words (it is not a text model).');
  const tokenizer = Tokenizer.fromJSON(pre.tokenizer);
  const limit = Math.min(rows, tokenizer.numWords);
  const words = new Map<number, string>();
  const counts = new Map<number, number>();
  for (const [word, index] of tokenizer.wordIndex) {
    if (index < 1 || index >= limit || word === tokenizer.oovWord) continue;
    words.set(index, word);
    counts.set(index, tokenizer.wordCounts.get(word) ?? 0);
  }
  // Tokenizer indices run in descending frequency, so index order is frequency order.
  const wordRows = [...words.keys()].sort((a, b) => a - b);
  return { weight, rows, dim, wordRows, words, counts, tokenizer };
}

export function runProjectorJob(runDir: string, request: ProjectorRequest): EmbeddingProjection | WordNeighbours {
  const started = performance.now();
  const e = loadEmbedding(runDir);
  if (request.kind === 'neighbours') {
    const typed = request.word.trim();
    const word = e.tokenizer.textOptions.lowercase ? typed.toLowerCase() : typed;
    const index = e.tokenizer.wordIndex.get(word);
    if (index === undefined || !e.words.has(index)) {
      throw new ProjectorError(
        `"${typed.slice(0, 80)}" is not in this run's vocabulary (${e.wordRows.length} words${index !== undefined ? '; it was too rare to get its own row' : ''}).`,
      );
    }
    const found = nearestByCosine(e.weight.data, e.rows, e.dim, index, request.k, e.wordRows);
    return {
      word,
      index,
      searched: e.wordRows.length - 1,
      neighbours: found.map((f) => ({ word: e.words.get(f.index)!, index: f.index, similarity: f.similarity })),
    };
  }
  const chosen = e.wordRows.slice(0, Math.max(2, Math.min(request.words, MAX_PROJECTOR_WORDS)));
  if (chosen.length < 2)
    throw new ProjectorError(`This run's vocabulary has ${chosen.length} word(s); a projection needs at least 2.`);
  const data = pickRows(e.weight.data, e.dim, chosen);
  let coords: Float64Array;
  let explainedVariance: [number, number] | null = null;
  let settings: EmbeddingProjection['tsne'] = null;
  if (request.method === 'pca') {
    const r = pca(data, chosen.length, e.dim);
    coords = r.coords;
    explainedVariance = r.explainedVariance;
  } else {
    settings = {
      perplexity: tsnePerplexity(chosen.length),
      iterations: TSNE_DEFAULTS.iterations,
      seed: TSNE_DEFAULTS.seed,
    };
    coords = tsne(data, chosen.length, e.dim, settings);
  }
  return {
    method: request.method,
    weight: e.weight.name,
    rows: e.rows,
    dim: e.dim,
    vocabulary: e.wordRows.length,
    points: chosen.map((index, i) => ({
      word: e.words.get(index)!,
      index,
      count: e.counts.get(index) ?? 0,
      x: coords[i * 2]!,
      y: coords[i * 2 + 1]!,
    })),
    explainedVariance,
    tsne: settings,
    seconds: (performance.now() - started) / 1000,
  };
}
