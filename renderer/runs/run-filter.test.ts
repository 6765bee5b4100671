// The runs list's filter box and status select, table-driven over a small set of runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterRuns, parseRunFilter } from './run-filter.js';
import type { FilterableRun, StatusFilter } from './run-filter.js';

const runs: (FilterableRun & { id: string })[] = [
  {
    id: 'a1',
    name: 'GRU forecaster',
    tags: ['baseline', 'lr 0.01'],
    templateFamily: 'forecast',
    dataKind: 'timeseries',
    status: 'completed',
  },
  {
    id: 'b2',
    name: 'LSTM sentiment',
    tags: ['Wide'],
    templateFamily: 'sentiment',
    dataKind: 'text',
    status: 'running',
  },
  { id: 'c3', name: 'tiny gru', tags: [], templateFamily: null, dataKind: 'timeseries', status: 'failed' },
  {
    id: 'd4',
    name: 'stacked baseline-2',
    tags: ['stacked'],
    templateFamily: 'forecast',
    dataKind: null,
    status: 'paused',
  },
];

const cases: { query: string; status?: StatusFilter; ids: string[]; why: string }[] = [
  { query: '', ids: ['a1', 'b2', 'c3', 'd4'], why: 'empty: everything' },
  { query: '   ', ids: ['a1', 'b2', 'c3', 'd4'], why: 'blank: everything' },
  { query: 'gru', ids: ['a1', 'c3'], why: 'name, case-insensitive' },
  { query: 'baseline', ids: ['a1', 'd4'], why: 'a tag (a1) or the name (d4)' },
  { query: 'tag:baseline', ids: ['a1'], why: 'tag: needs a whole tag' },
  { query: 'TAG:wide', ids: ['b2'], why: 'tag: is case-insensitive' },
  { query: 'tag:base', ids: [], why: 'tag: does not match part of a tag' },
  { query: 'tag:"lr 0.01"', ids: ['a1'], why: 'quoted tag with a space' },
  { query: '"lr 0.01"', ids: ['a1'], why: 'quoted free text' },
  { query: 'forecast', ids: ['a1', 'd4'], why: 'template family' },
  { query: 'text', ids: ['b2'], why: 'data kind' },
  { query: 'failed', ids: ['c3'], why: 'status as text' },
  { query: 'b2', ids: ['b2'], why: 'run id' },
  { query: 'forecast stacked', ids: ['d4'], why: 'all terms must match' },
  { query: 'gru tag:baseline', ids: ['a1'], why: 'tag: and text together' },
  { query: 'tag:', ids: ['a1', 'b2', 'c3', 'd4'], why: 'an empty tag: is ignored' },
  { query: 'zzz', ids: [], why: 'nothing matches' },
  { query: '', status: 'completed', ids: ['a1'], why: 'status select' },
  { query: '', status: 'active', ids: ['b2', 'd4'], why: 'active: running or paused' },
  { query: 'forecast', status: 'active', ids: ['d4'], why: 'status and text' },
  { query: 'gru', status: 'stopped', ids: [], why: 'no stopped run' },
];

for (const c of cases) {
  test(`filterRuns(${JSON.stringify(c.query)}${c.status ? `, ${c.status}` : ''}): ${c.why}`, () => {
    assert.deepEqual(
      filterRuns(runs, c.query, c.status).map((r) => r.id),
      c.ids,
    );
  });
}

test('parseRunFilter splits terms and keeps quoted phrases', () => {
  assert.deepEqual(parseRunFilter(' GRU  tag:Base "two words" tag:"x y" '), [
    { kind: 'text', value: 'gru' },
    { kind: 'tag', value: 'base' },
    { kind: 'text', value: 'two words' },
    { kind: 'tag', value: 'x y' },
  ]);
  assert.deepEqual(parseRunFilter('"unclosed phrase'), [{ kind: 'text', value: 'unclosed phrase' }]);
});
