// A studio run trains at a background priority: its worker thread and the kernel threads it starts run at nice 10,
// the host's own threads stay at 0, and a run without the option changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { checkSpec } from '../../shared/shape-inference.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { startTraining } from '../training-host.js';
import { repoRoot as root, seattleTemperature } from '../data/test-support.js';
import { BACKGROUND_NICE, threadNice } from './thread-priority.js';
import { kernelThreadCount } from './kernels/index.js';

const linux = process.platform === 'linux' ? {} : { skip: 'thread priorities are set on Linux only' };

const spec: ModelSpec = {
  format: 1,
  name: 'priority',
  input: { kind: 'floats', timesteps: 12, features: 3 },
  layers: [
    { className: 'GRU', config: { units: 16 } },
    { className: 'Dense', config: { units: 1 } },
  ],
  training: { loss: 'meanAbsoluteError', batchSize: 32, epochs: 2 },
  data: seattleTemperature({ lookback: 12, delay: 6, trainFraction: 0.3, valFraction: 0.05 }),
};

/** The nice value of every thread of this process, by name (several threads share a name). */
function threadNices(): { name: string; nice: number }[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      return [{ name, nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) }];
    } catch {
      return []; // a thread that ended while we looked
    }
  });
}

/** The threads' nice values seen while the run's first batches arrive. */
async function nicesDuringRun(background: boolean): Promise<{ name: string; nice: number }[]> {
  let seen: { name: string; nice: number }[] = [];
  const handle = startTraining(checkSpec(spec), root, { backend: 'wasm', batchThrottleMs: 0, background }, (e) => {
    if (e.type === 'batches' && seen.length === 0) seen = threadNices();
  });
  const last = await handle.finished;
  assert.equal(last.type, 'done', JSON.stringify(last));
  return seen;
}

test('a background run: its worker and kernel threads at nice 10, the host thread at 0', linux, async () => {
  const seen = await nicesDuringRun(true);
  const background = seen.filter((t) => t.nice === BACKGROUND_NICE);
  // The training worker itself, and the kernel thread it starts when the fused kernels split a batch over two or more
  // threads (the worker is one of them).
  assert.ok(background.length >= Math.min(2, kernelThreadCount()), JSON.stringify(seen));
  assert.equal(threadNice(), 0, 'the host thread keeps its priority');
  assert.ok(
    seen.some((t) => t.nice === 0),
    'the rest of the process (the host, its I/O threads) keeps its priority',
  );
});

test('a run without the option leaves every thread at its priority', linux, async () => {
  const seen = await nicesDuringRun(false);
  assert.deepEqual(
    seen.filter((t) => t.nice !== 0),
    [],
  );
});
