// The projector's file job on a run folder written by hand: the Embedding weight found by its layer's name, the
// tokenizer's words on its rows (padding and OOV left out, most frequent first), neighbours and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTfjsModel } from '../interop/tfjs-artifacts.js';
import { Tokenizer } from '../data/tokenizer.js';
import { runProjectorJob } from './projector-job.js';
import type { EmbeddingProjection, WordNeighbours } from '../../shared/projector.js';

// Word counts: good 4, bad 3, movie 2, fine 1 → indices good 2, bad 3, movie 4, fine 5 (OOV 1, padding 0).
const texts = ['good good bad movie', 'good bad bad', 'good movie fine'];

function makeRun(embeddingRows: number[][], opts: { layerName?: string; withEmbedding?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'projector-'));
  const name = opts.layerName ?? 'embedding_3';
  const layers =
    opts.withEmbedding === false
      ? [{ class_name: 'Dense', config: { name: 'dense' } }]
      : [
          { class_name: 'Embedding', config: { name } },
          { class_name: 'Dense', config: { name: 'dense' } },
        ];
  const weights = [
    ...(opts.withEmbedding === false
      ? []
      : [
          {
            name: `${name}/embeddings`,
            shape: [embeddingRows.length, 2],
            data: new Float32Array(embeddingRows.flat()),
          },
        ]),
    { name: 'dense/kernel', shape: [2, 1], data: new Float32Array([1, 2]) },
  ];
  writeTfjsModel(join(dir, 'model'), { class_name: 'Sequential', config: { name: 'm', layers } }, weights);
  const tokenizer = Tokenizer.fit(texts, { numWords: 100 });
  writeFileSync(
    join(dir, 'preprocessing.json'),
    JSON.stringify({
      kind: 'text',
      tokenizer: tokenizer.toJSON(),
      length: 4,
      padding: 'pre',
      truncating: 'pre',
      classNames: ['a', 'b'],
    }),
  );
  return dir;
}

// Rows: 0 padding, 1 OOV, 2 good (1, 0), 3 bad (-1, 0.1), 4 movie (0.9, 0.3), 5 fine (0.5, 0.5), 6 unused (no word).
const rows = [
  [0, 0],
  [9, 9],
  [1, 0],
  [-1, 0.1],
  [0.9, 0.3],
  [0.5, 0.5],
  [1, 0],
];

test('projects the words on the Embedding rows, most frequent first; PCA reports its explained variance', () => {
  const dir = makeRun(rows);
  try {
    const r = runProjectorJob(dir, { kind: 'project', method: 'pca', words: 3 }) as EmbeddingProjection;
    assert.equal(r.weight, 'embedding_3/embeddings');
    assert.deepEqual([r.rows, r.dim, r.vocabulary], [7, 2, 4]);
    assert.deepEqual(
      r.points.map((p) => [p.word, p.index, p.count]),
      [
        ['good', 2, 4],
        ['bad', 3, 3],
        ['movie', 4, 2],
      ],
    );
    assert.ok(
      Math.abs(r.explainedVariance![0] + r.explainedVariance![1] - 1) < 1e-9,
      'two components of 2-D data explain it all',
    );
    const t = runProjectorJob(dir, { kind: 'project', method: 'tsne', words: 100 }) as EmbeddingProjection;
    assert.equal(t.points.length, 4);
    assert.equal(t.explainedVariance, null);
    assert.equal(t.tsne!.perplexity, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nearest words by cosine similarity, among the vocabulary only; unknown words and models without an Embedding are refused', () => {
  const dir = makeRun(rows);
  try {
    const r = runProjectorJob(dir, { kind: 'neighbours', word: ' GOOD ', k: 2 }) as WordNeighbours;
    assert.equal(r.word, 'good');
    // cos(good, movie) = 0.9/√0.9 ≈ 0.949; cos(good, fine) = 0.707; cos(good, bad) < 0. The wordless row 6 and OOV never come up.
    assert.deepEqual(
      r.neighbours.map((n) => n.word),
      ['movie', 'fine'],
    );
    assert.ok(Math.abs(r.neighbours[0]!.similarity - 0.9 / Math.hypot(0.9, 0.3)) < 1e-6);
    assert.throws(
      () => runProjectorJob(dir, { kind: 'neighbours', word: 'zebra', k: 2 }),
      /"zebra" is not in this run's vocabulary \(4 words\)/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const none = makeRun(rows, { withEmbedding: false });
  try {
    assert.throws(
      () => runProjectorJob(none, { kind: 'project', method: 'pca', words: 10 }),
      /This run has no Embedding layer \(its model's weights are dense\/kernel\)/,
    );
  } finally {
    rmSync(none, { recursive: true, force: true });
  }
});
