// setRunTags: tags are validated (trimmed, 1–40 characters, no control characters, at most 10 once deduplicated),
// written into run.json like renameRun's name, listed in RunSummary.tags, and kept across a service restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioService } from './studio-service.js';
import type { StudioEvent } from '../../shared/api.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const open = (userDataDir: string) =>
  new StudioService({
    userDataDir,
    host: 'web',
    appVersion: 'test',
    assetsDir: join(root, 'assets'),
    examplesDir: join(root, 'examples'),
  });

/** A finished run folder as the studio writes it (no model: tags do not need one). */
function writeRun(userDataDir: string, id: string, spec: unknown): void {
  mkdirSync(join(userDataDir, 'runs', id), { recursive: true });
  writeFileSync(
    join(userDataDir, 'runs', id, 'run.json'),
    JSON.stringify({
      id,
      name: `run ${id}`,
      createdAt: new Date().toISOString(),
      status: 'completed',
      spec,
      dataPath: '/nowhere',
      epochs: 2,
      backend: null,
      dataSummary: null,
      layers: [],
      result: null,
      error: null,
      epochRecords: [],
    }),
  );
}

test('setRunTags validates, deduplicates, persists in run.json and survives a restart', async () => {
  const userDataDir = mkdtempSync(join(tmpdir(), 'rnn-tags-'));
  const s = open(userDataDir);
  const sample = (await s.call('listSamples', {})).find((x) => x.id === 'forecast-gru')!;
  writeRun(userDataDir, 'r1', sample.spec);
  writeRun(userDataDir, 'r2', sample.spec);
  assert.deepEqual(
    (await s.call('listRuns', {})).map((r) => r.tags),
    [[], []],
    'untagged runs list no tags',
  );

  const events: StudioEvent[] = [];
  s.onEvent((e) => events.push(e));
  const tagged = await s.call('setRunTags', {
    runId: 'r1',
    tags: ['  baseline ', 'gru', 'baseline', 'gru ', 'lr 0.01'],
  });
  assert.deepEqual(tagged.tags, ['baseline', 'gru', 'lr 0.01'], 'trimmed and deduplicated in order');
  assert.ok(events.some((e) => e.type === 'runs-changed'));
  assert.deepEqual(JSON.parse(readFileSync(join(userDataDir, 'runs', 'r1', 'run.json'), 'utf8')).tags, [
    'baseline',
    'gru',
    'lr 0.01',
  ]);
  assert.deepEqual((await s.call('getRun', { runId: 'r1' })).tags, ['baseline', 'gru', 'lr 0.01']);

  const refusals: [string[], RegExp][] = [
    [['   '], /A tag needs at least one character/],
    [['x'.repeat(41)], /limited to 40 characters/],
    [['a\tb'], /control characters/],
    [Array.from({ length: 11 }, (_, i) => `t${i}`), /at most 10 tags/],
  ];
  for (const [tags, message] of refusals)
    await assert.rejects(s.call('setRunTags', { runId: 'r1', tags }), message, JSON.stringify(tags));
  await assert.rejects(
    s.call('setRunTags', { runId: 'nope', tags: ['a'] }),
    (e: Error & { code?: string }) => e.code === 'not-found',
  );
  await assert.rejects(s.call('setRunTags', { runId: '../r1', tags: ['a'] }), /runId an id of letters/);
  assert.deepEqual(
    (await s.call('getRun', { runId: 'r1' })).tags,
    ['baseline', 'gru', 'lr 0.01'],
    'refused lists change nothing',
  );

  // Limits are on the deduplicated list: 12 entries that are 10 distinct tags pass; 40 characters pass.
  const ten = [...Array.from({ length: 10 }, (_, i) => `t${i}`), 't0', ' t1'];
  assert.equal((await s.call('setRunTags', { runId: 'r2', tags: ten })).tags.length, 10);
  assert.deepEqual((await s.call('setRunTags', { runId: 'r2', tags: ['y'.repeat(40)] })).tags, ['y'.repeat(40)]);

  const reopened = open(userDataDir);
  const listed = Object.fromEntries((await reopened.call('listRuns', {})).map((r) => [r.id, r.tags]));
  assert.deepEqual(listed, { r1: ['baseline', 'gru', 'lr 0.01'], r2: ['y'.repeat(40)] });
  assert.deepEqual((await reopened.call('setRunTags', { runId: 'r1', tags: [] })).tags, [], 'clearing is allowed');
  assert.deepEqual((await open(userDataDir).call('getRun', { runId: 'r1' })).tags, []);
});
