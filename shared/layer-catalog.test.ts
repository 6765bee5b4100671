// The catalog is the one place a layer kind lives: its class name appears, as a string literal, only in the catalog's
// definitions (shared/layers/) — outside them only in tests and in the files listed below with the reason each still
// names one. A new catalog kind is checked as soon as it is listed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAYER_CATALOG, layerDef, RECURRENT_CLASSES, registerLayer, withDefaults } from './layer-catalog.js';
import type { LayerDef } from './layer-catalog.js';
import { MERGE_MODES } from './model-spec.js';
import { withLayerReference } from './layer-reference.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where class names belong: the definitions themselves. */
const CATALOG = ['shared/layers/'];

const CELL_KINDS =
  'the recurrent cell kinds of the fused kernels and of the inside-recurrence view (the cell math itself), left to the issue that redoes the fused kernels';

/** Files that still name a class, each with why. An entry that no longer names one fails, so the list only shrinks. */
const ALLOWED: Record<string, string> = {
  'shared/templates.ts': "the book's template specs are data, written as a user's spec file is",
  'renderer/builder/palette.tsx': 'the "Embedding" category heading, not a class name',
  'shared/prediction-types.ts': CELL_KINDS,
  'shared/gradient-flow.ts': CELL_KINDS,
  'main/training/kernels/fused-rnn.ts': CELL_KINDS,
  'main/training/kernels/keras-recurrence.ts': CELL_KINDS,
  'main/training/inside-recurrence.ts': CELL_KINDS,
  'main/training/keras-gru.ts': "registers Keras's GRU under TF.js's own class name (the GRU factory uses it)",
  'main/training/kernels/recurrent-layers.ts':
    "our SimpleRNN, LSTM and Bidirectional classes, registered under TF.js's own class names as keras-gru.ts does",
  'renderer/predict/inside-view.tsx': CELL_KINDS,
  'shared/memory-estimate.ts':
    "the per-layer memory model; not in this change's files (a `memory` hook on the definitions would take it)",
};

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'node_modules' && name !== 'assembly') sourceFiles(path, out);
    } else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith('.d.ts')) {
      out.push(relative(root, path).split(sep).join('/'));
    }
  }
  return out;
}

/** The source without comments (a class name in prose is fine). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

test('a layer class name appears as a string literal outside the catalog only in tests (and the listed files)', () => {
  const names = LAYER_CATALOG.map((d) => d.className);
  const literal = new RegExp(`(['"\`])(${names.join('|')})\\1`, 'g');
  const found = new Map<string, Set<string>>();
  for (const file of ['shared', 'main', 'renderer'].flatMap((d) => sourceFiles(join(root, d)))) {
    const hits = new Set([...code(readFileSync(join(root, file), 'utf8')).matchAll(literal)].map((m) => m[2]!));
    if (hits.size > 0) found.set(file, hits);
  }
  const stray = [...found]
    .filter(([file]) => !CATALOG.some((c) => file.startsWith(c)) && !(file in ALLOWED))
    .map(([file, hits]) => `${file}: ${[...hits].join(', ')}`);
  assert.deepEqual(
    stray,
    [],
    'class names outside the catalog: dispatch on the definition (layerDef, categoryOf) instead',
  );
  const stale = Object.keys(ALLOWED).filter((file) => !found.has(file));
  assert.deepEqual(stale, [], 'these files no longer name a layer class: remove them from ALLOWED');
  // Every kind is defined in the catalog folder.
  const inCatalog = new Set(
    [...found].filter(([file]) => CATALOG.some((c) => file.startsWith(c))).flatMap(([, hits]) => [...hits]),
  );
  assert.deepEqual(
    names.filter((n) => !inCatalog.has(n)),
    [],
  );
});

test('the catalog: unique names and prefixes, defaults valid, lookups own-only, registration reversible', () => {
  const names = LAYER_CATALOG.map((d) => d.className);
  assert.equal(new Set(names).size, names.length);
  assert.equal(new Set(LAYER_CATALOG.map((d) => d.namePrefix)).size, names.length);
  assert.deepEqual(RECURRENT_CLASSES, ['SimpleRNN', 'LSTM', 'GRU']);
  for (const name of ['__proto__', 'constructor', 'toString', '']) assert.equal(layerDef(name), undefined, name);
  const wrapper = LAYER_CATALOG.find((d) => d.wraps)!;
  assert.deepEqual(wrapper.params.find((p) => p.name === 'mergeMode')!.options, MERGE_MODES);
  for (const def of LAYER_CATALOG) {
    const config = withDefaults(def, undefined);
    for (const p of def.params) {
      if (p.kind === 'enum') assert.ok(p.options!.includes(String(config[p.name])), `${def.className}.${p.name}`);
    }
  }
  const def: LayerDef = { ...LAYER_CATALOG[6], className: 'Throwaway' };
  const unregister = registerLayer(def);
  assert.equal(layerDef('Throwaway'), def);
  assert.throws(() => registerLayer(def), /already in the catalog/);
  unregister();
  assert.equal(layerDef('Throwaway'), undefined);
});

test('docs/spec.md: the layer reference is the one the catalog writes (npm run docs:layers)', () => {
  const doc = readFileSync(join(root, 'docs', 'spec.md'), 'utf8');
  assert.equal(doc, withLayerReference(doc), 'docs/spec.md differs from the catalog: run `npm run docs:layers`');
  for (const d of LAYER_CATALOG) assert.ok(doc.includes(`### \`${d.className}\``), `${d.className} has its section`);
});
