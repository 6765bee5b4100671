import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEMPLATES, TEMPLATE_FAMILIES } from './templates.js';
import { analyzeModel } from './shape-inference.js';

const samples = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'samples');

test('every template is a valid spec on a bundled sample, in a known family, with an explanation', () => {
  assert.deepEqual(
    TEMPLATES.map((t) => t.id),
    [
      'sentiment-simplernn',
      'sentiment-lstm',
      'sentiment-bidirectional',
      'forecast-gru',
      'forecast-gru-dropout',
      'forecast-stacked-gru',
      'forecast-bidirectional-gru',
    ],
  );
  for (const t of TEMPLATES) {
    const a = analyzeModel(t.spec);
    assert.equal(a.valid, true, `${t.id}: ${a.issues.map((i) => i.message).join('; ')}`);
    assert.ok(TEMPLATE_FAMILIES.some((f) => f.id === t.family));
    assert.deepEqual(t.spec.template, { family: t.family, id: t.id });
    assert.ok(t.explanation.length > 60);
    assert.ok(t.spec.data?.path.startsWith('sample:') && existsSync(join(samples, t.spec.data.path.slice(7))), t.id);
  }
  // A family trains on one data set, so its runs compare.
  for (const f of TEMPLATE_FAMILIES) {
    const paths = new Set(TEMPLATES.filter((t) => t.family === f.id).map((t) => JSON.stringify(t.spec.data)));
    assert.equal(paths.size, 1, f.id);
  }
});
