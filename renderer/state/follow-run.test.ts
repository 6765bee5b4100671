import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runToFollowAfterLoad } from './follow-run.js';

test('loading another project drops a finished run from the Training tab and the status bar, keeps one still training', () => {
  for (const status of ['completed', 'stopped', 'early-stopped', 'failed'] as const)
    assert.equal(runToFollowAfterLoad('r1', { status }), null, status);
  assert.equal(runToFollowAfterLoad('r1', { status: 'running' }), 'r1');
  assert.equal(runToFollowAfterLoad('r1', { status: 'paused' }), 'r1');
  // Not in the run store yet (found training at start, its details still on the way): still followed.
  assert.equal(runToFollowAfterLoad('r1', null), 'r1');
  assert.equal(runToFollowAfterLoad(null, null), null);
});
