/**
 * The Embedding projector's numbers (TensorBoard's projector, issue #15): PCA, exact t-SNE and cosine nearest
 * neighbours of an Embedding layer's rows, as pure functions of a row-major matrix (no TensorFlow, no I/O), so they
 * run in the file worker and in tests. Rows are `n` points of `d` values each: `data[i * d + j]`.
 */
import { mulberry32 } from './seeded-random.js';

export type ProjectorMethod = 'pca' | 'tsne';

/** One word of a projection: its row in the Embedding (= tokenizer index), its count in the training texts, its 2-D place. */
export interface ProjectedWord {
  word: string;
  index: number;
  count: number;
  x: number;
  y: number;
}

/** What `projectEmbedding` answers. */
export interface EmbeddingProjection {
  method: ProjectorMethod;
  /** The Embedding weight projected (e.g. "embedding/embeddings"). */
  weight: string;
  /** Rows × columns of the Embedding matrix. */
  rows: number;
  dim: number;
  /** Words with a row (the vocabulary the model knows, padding and OOV left out). */
  vocabulary: number;
  /** The most frequent words, most frequent first. */
  points: ProjectedWord[];
  /** PCA: the fraction of the total variance along each of the two components (null for t-SNE). */
  explainedVariance: [number, number] | null;
  /** t-SNE: its settings (null for PCA). */
  tsne: { perplexity: number; iterations: number; seed: number } | null;
  /** Wall time of the computation, in seconds. */
  seconds: number;
}

export interface WordNeighbour {
  word: string;
  index: number;
  /** Cosine similarity in the full embedding space, -1…1. */
  similarity: number;
}

/** What `nearestWords` answers. */
export interface WordNeighbours {
  word: string;
  index: number;
  neighbours: WordNeighbour[];
  /** How many words were compared against. */
  searched: number;
}

export interface PcaResult {
  /** n × 2, row-major: each point's coordinates along the two components. */
  coords: Float64Array;
  /** The two unit component vectors (length d each). */
  components: [Float64Array, Float64Array];
  /** Each component's variance over the total variance (0…1); 0 where the data has no variance left. */
  explainedVariance: [number, number];
}

type Matrix = ArrayLike<number>;

function check(data: Matrix, n: number, d: number): void {
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 1 || d < 1)
    throw new RangeError(`expected n >= 1 and d >= 1, received n=${n}, d=${d}.`);
  if (data.length !== n * d) throw new RangeError(`expected ${n} × ${d} = ${n * d} values, received ${data.length}.`);
}

function gaussian(next: () => number): () => number {
  return () => {
    const u = Math.max(next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
}

/**
 * Principal component analysis: the centred data's covariance (d × d), its top two eigenvectors by power iteration
 * with deflation, and each point projected on them. Each component's sign is fixed (its largest entry positive) so a
 * run repeats exactly.
 */
export function pca(
  data: Matrix,
  n: number,
  d: number,
  opts: { maxIterations?: number; seed?: number } = {},
): PcaResult {
  check(data, n, d);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += data[i * d + j]! / n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = data[i * d + j]! - mean[j]!;
    for (let a = 0; a < d; a++) {
      const ra = row[a]!;
      if (ra === 0) continue;
      for (let b = a; b < d; b++) cov[a * d + b]! += ra * row[b]!;
    }
  }
  const denom = Math.max(1, n - 1);
  for (let a = 0; a < d; a++)
    for (let b = a; b < d; b++) {
      cov[a * d + b]! /= denom;
      cov[b * d + a] = cov[a * d + b]!;
    }
  let total = 0;
  for (let a = 0; a < d; a++) total += cov[a * d + a]!;
  const random = gaussian(mulberry32(opts.seed ?? 7));
  const maxIterations = opts.maxIterations ?? 2000;
  const found: Float64Array[] = [];
  const values: number[] = [];
  for (let c = 0; c < 2; c++) {
    let v: Float64Array<ArrayBuffer> = new Float64Array(d);
    for (let j = 0; j < d; j++) v[j] = random();
    let lambda = 0;
    const orthogonalise = (x: Float64Array) => {
      for (const u of found) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += x[j]! * u[j]!;
        for (let j = 0; j < d; j++) x[j]! -= dot * u[j]!;
      }
    };
    const normalise = (x: Float64Array): number => {
      let s = 0;
      for (let j = 0; j < d; j++) s += x[j]! * x[j]!;
      const norm = Math.sqrt(s);
      if (norm > 0) for (let j = 0; j < d; j++) x[j]! /= norm;
      return norm;
    };
    orthogonalise(v);
    normalise(v);
    for (let it = 0; it < maxIterations; it++) {
      const w = new Float64Array(d);
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let b = 0; b < d; b++) s += cov[a * d + b]! * v[b]!;
        w[a] = s;
      }
      // Deflation: keep the iterate orthogonal to the components already found.
      orthogonalise(w);
      const norm = normalise(w);
      if (norm <= 1e-300) {
        // No variance left in this direction (e.g. points on a line): any orthogonal unit vector will do.
        lambda = 0;
        break;
      }
      let change = 0;
      for (let j = 0; j < d; j++) change = Math.max(change, Math.abs(w[j]! - v[j]!));
      v = w;
      const converged = Math.abs(norm - lambda) <= 1e-12 * Math.max(1, norm) && change < 1e-10;
      lambda = norm;
      if (converged) break;
    }
    if (lambda === 0 || !Number.isFinite(lambda)) {
      // Pick the coordinate axis least covered by the components found so far, made orthogonal to them.
      let best = new Float64Array(d);
      let bestNorm = -1;
      for (let j = 0; j < d; j++) {
        const e = new Float64Array(d);
        e[j] = 1;
        orthogonalise(e);
        const en = normalise(e);
        if (en > bestNorm + 1e-12) {
          best = e;
          bestNorm = en;
        }
      }
      v = best;
      lambda = 0;
    }
    let big = 0;
    for (let j = 0; j < d; j++) if (Math.abs(v[j]!) > Math.abs(v[big]!) + 1e-12) big = j;
    if (v[big]! < 0) for (let j = 0; j < d; j++) v[j] = -v[j]!;
    found.push(v);
    values.push(lambda);
  }
  const coords = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 2; c++) {
      const u = found[c]!;
      let s = 0;
      for (let j = 0; j < d; j++) s += (data[i * d + j]! - mean[j]!) * u[j]!;
      coords[i * 2 + c] = s;
    }
  }
  const ratio = (x: number) => (total > 0 ? Math.min(1, Math.max(0, x / total)) : 0);
  return { coords, components: [found[0]!, found[1]!], explainedVariance: [ratio(values[0]!), ratio(values[1]!)] };
}

export interface TsneOptions {
  /** Effective number of neighbours; lowered to (n - 1) / 3 for small n. Default 30. */
  perplexity?: number;
  /** Gradient steps. Default 500. */
  iterations?: number;
  /** Default 1. */
  seed?: number;
  /** Default max(10, n / 12) ("auto" of scikit-learn, without its exaggeration factor). */
  learningRate?: number;
}

export const TSNE_DEFAULTS = { perplexity: 30, iterations: 500, seed: 1 } as const;

/** The perplexity t-SNE actually uses for n points: the requested one, at most (n - 1) / 3. */
export function tsnePerplexity(n: number, perplexity: number = TSNE_DEFAULTS.perplexity): number {
  return Math.max(1, Math.min(perplexity, (n - 1) / 3));
}

/**
 * Exact t-SNE (van der Maaten & Hinton 2008), O(n²) per step: Gaussian affinities at the given perplexity (binary
 * search per point), symmetrised; Student-t affinities in 2-D; gradient descent with momentum, gains and early
 * exaggeration (×12 for the first quarter of the steps). Seeded: the same input and options give the same output.
 * Returns n × 2, row-major, centred on 0.
 */
export function tsne(data: Matrix, n: number, d: number, opts: TsneOptions = {}): Float64Array {
  check(data, n, d);
  const iterations = opts.iterations ?? TSNE_DEFAULTS.iterations;
  const y = new Float64Array(n * 2);
  if (n === 1) return y;
  const perplexity = tsnePerplexity(n, opts.perplexity);
  // Squared Euclidean distances in the input space.
  const dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = i + 1; k < n; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = data[i * d + j]! - data[k * d + j]!;
        s += t * t;
      }
      dist[i * n + k] = s;
      dist[k * n + i] = s;
    }
  }
  // Conditional affinities p(j|i) with the bandwidth found by binary search on the entropy.
  const p = new Float64Array(n * n);
  const target = Math.log(perplexity);
  const rowP = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let beta = 1;
    let lo = -Infinity;
    let hi = Infinity;
    let minD = Infinity;
    for (let k = 0; k < n; k++) if (k !== i) minD = Math.min(minD, dist[i * n + k]!);
    for (let step = 0; step < 64; step++) {
      let sum = 0;
      let weighted = 0;
      for (let k = 0; k < n; k++) {
        if (k === i) {
          rowP[k] = 0;
          continue;
        }
        // Shifted by the nearest distance so exp never underflows to all zeros.
        const e = Math.exp(-(dist[i * n + k]! - minD) * beta);
        rowP[k] = e;
        sum += e;
        weighted += (dist[i * n + k]! - minD) * e;
      }
      const entropy = Math.log(sum) + (beta * weighted) / sum;
      const diff = entropy - target;
      for (let k = 0; k < n; k++) p[i * n + k] = rowP[k]! / sum;
      if (Math.abs(diff) < 1e-5) break;
      if (diff > 0) {
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = lo === -Infinity ? beta / 2 : (beta + lo) / 2;
      }
    }
  }
  // Symmetrise: P = (P + Pᵀ) / 2n, floored so no pair has exactly zero.
  for (let i = 0; i < n; i++) {
    for (let k = i + 1; k < n; k++) {
      const v = Math.max((p[i * n + k]! + p[k * n + i]!) / (2 * n), 1e-12);
      p[i * n + k] = v;
      p[k * n + i] = v;
    }
    p[i * n + i] = 0;
  }
  const random = gaussian(mulberry32(opts.seed ?? TSNE_DEFAULTS.seed));
  for (let i = 0; i < n * 2; i++) y[i] = random() * 1e-4;
  const learningRate = opts.learningRate ?? Math.max(10, n / 12);
  const exaggerationSteps = Math.floor(iterations / 4);
  const update = new Float64Array(n * 2);
  const gains = new Float64Array(n * 2).fill(1);
  const grad = new Float64Array(n * 2);
  const num = new Float64Array(n * n);
  for (let it = 0; it < iterations; it++) {
    const exaggeration = it < exaggerationSteps ? 12 : 1;
    const momentum = it < exaggerationSteps ? 0.5 : 0.8;
    let sumQ = 0;
    for (let i = 0; i < n; i++) {
      const yi0 = y[i * 2]!;
      const yi1 = y[i * 2 + 1]!;
      for (let k = i + 1; k < n; k++) {
        const a = yi0 - y[k * 2]!;
        const b = yi1 - y[k * 2 + 1]!;
        const q = 1 / (1 + a * a + b * b);
        num[i * n + k] = q;
        num[k * n + i] = q;
        sumQ += 2 * q;
      }
    }
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      const yi0 = y[i * 2]!;
      const yi1 = y[i * 2 + 1]!;
      let g0 = 0;
      let g1 = 0;
      for (let k = 0; k < n; k++) {
        if (k === i) continue;
        const q = num[i * n + k]!;
        const mult = (exaggeration * p[i * n + k]! - q / sumQ) * q;
        g0 += mult * (yi0 - y[k * 2]!);
        g1 += mult * (yi1 - y[k * 2 + 1]!);
      }
      grad[i * 2] = 4 * g0;
      grad[i * 2 + 1] = 4 * g1;
    }
    for (let i = 0; i < n * 2; i++) {
      const g = grad[i]!;
      const u = update[i]!;
      gains[i] = Math.max(0.01, Math.sign(g) !== Math.sign(u) ? gains[i]! + 0.2 : gains[i]! * 0.8);
      update[i] = momentum * u - learningRate * gains[i]! * g;
      y[i]! += update[i]!;
    }
    let m0 = 0;
    let m1 = 0;
    for (let i = 0; i < n; i++) {
      m0 += y[i * 2]!;
      m1 += y[i * 2 + 1]!;
    }
    m0 /= n;
    m1 /= n;
    for (let i = 0; i < n; i++) {
      y[i * 2]! -= m0;
      y[i * 2 + 1]! -= m1;
    }
  }
  return y;
}

/**
 * The `k` rows most similar to row `query` by cosine similarity, most similar first (ties: lower row first). Only
 * rows in `candidates` (default: all) are compared; the query row itself and zero rows are never returned.
 */
export function nearestByCosine(
  data: Matrix,
  n: number,
  d: number,
  query: number,
  k: number,
  candidates?: Iterable<number>,
): { index: number; similarity: number }[] {
  check(data, n, d);
  if (!Number.isInteger(query) || query < 0 || query >= n)
    throw new RangeError(`expected a row 0…${n - 1}, received ${query}.`);
  const norm = (i: number) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += data[i * d + j]! * data[i * d + j]!;
    return Math.sqrt(s);
  };
  const qn = norm(query);
  const out: { index: number; similarity: number }[] = [];
  if (qn === 0 || k <= 0) return out;
  const rows = candidates ?? Array.from({ length: n }, (_, i) => i);
  for (const i of rows) {
    if (i === query || i < 0 || i >= n) continue;
    const inorm = norm(i);
    if (inorm === 0) continue;
    let dot = 0;
    for (let j = 0; j < d; j++) dot += data[i * d + j]! * data[query * d + j]!;
    out.push({ index: i, similarity: Math.max(-1, Math.min(1, dot / (qn * inorm))) });
  }
  out.sort((a, b) => b.similarity - a.similarity || a.index - b.index);
  return out.slice(0, k);
}

/** Copies rows `indices` of an n × d matrix into a new compact matrix (indices.length × d). */
export function pickRows(data: Matrix, d: number, indices: readonly number[]): Float64Array {
  const out = new Float64Array(indices.length * d);
  indices.forEach((r, i) => {
    for (let j = 0; j < d; j++) out[i * d + j] = data[r * d + j]!;
  });
  return out;
}
