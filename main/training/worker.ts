/**
 * The training worker thread's entry: one run (or one prediction) per worker; the host starts a fresh worker for each
 * and ends it afterwards, so a crash or a leak cannot outlive its run.
 * Known limit: loading tfjs-node in a second worker thread of one process has been reported to fail ("Module did not
 * self-register", tfjs#8388). Then the backend chooser reports the error and the run falls back to wasm; a long-lived
 * native worker (or a utilityProcess per run in Electron) is the planned fix with issue #4.
 */
import { parentPort } from 'node:worker_threads';
import type { WorkerEvent, WorkerRequest } from '../../shared/worker-protocol.js';
import { errorEvent, executeRun } from './run.js';
import { predictSeries, predictText } from './predict.js';
import { insideSeries, insideText } from './inside-recurrence.js';
import { diagnoseText } from './diagnostics.js';
import { initBackend } from './backend.js';
import { DataError } from '../data/data-error.js';
import { TrainingControl } from './trainer.js';
import { estimateRun } from './estimate.js';
import { runInBackground } from './thread-priority.js';

if (!parentPort) throw new Error('worker.ts must run in a worker thread');
const port = parentPort;
let control: TrainingControl | null = null;

const emit = (e: WorkerEvent) => port.postMessage(e);

port.on('message', (msg: WorkerRequest) => {
  switch (msg.type) {
    case 'start': {
      if (control) {
        emit({
          type: 'error',
          stage: 'engine',
          message: 'A run is already in progress in this worker; stop it first.',
        });
        return;
      }
      const c = (control = new TrainingControl());
      // Before the kernel threads start, so that they inherit it.
      if (msg.options.background) {
        const why = runInBackground();
        if (why && process.platform === 'linux') console.warn(`RNN Studio: ${why}.`);
      }
      void executeRun(msg, msg.specDir, msg.options, emit, c).finally(() => {
        control = null;
      });
      return;
    }
    case 'pause':
      control?.pause();
      return;
    case 'resume':
      control?.resume();
      return;
    case 'stop':
      control?.stop();
      return;
    case 'sample-gradients':
      control?.requestGradientSample();
      return;
    case 'estimate':
      estimateRun(msg, msg.specDir, msg.options).then(
        (estimate) => emit({ type: 'estimate', estimate }),
        (e: unknown) => emit(errorEvent(e)),
      );
      return;
    case 'predict-text':
    case 'predict-series': {
      const work = async () => {
        await initBackend('auto');
        return msg.type === 'predict-text'
          ? predictText(msg.runDir, msg.text)
          : predictSeries(msg.runDir, msg.spec, msg.dataPath, msg.maxPoints);
      };
      work().then(
        (result) => emit({ type: 'prediction', result }),
        (e: unknown) => emit(errorEvent(e)),
      );
      return;
    }
    case 'diagnose':
      initBackend('auto')
        .then(() => diagnoseText(msg.runDir, msg.spec, msg.dataPath, msg.maxMisclassified))
        .then(
          (result) => emit({ type: 'prediction', result }),
          (e: unknown) => emit(errorEvent(e)),
        );
      return;
    case 'inside': {
      const work = async () => {
        await initBackend('auto');
        if (msg.text !== undefined) return insideText(msg.runDir, msg.text);
        if (!msg.spec || !msg.dataPath)
          throw new DataError('Looking inside a time-series run needs its spec and data path.');
        return insideSeries(msg.runDir, msg.spec, msg.dataPath);
      };
      work().then(
        (result) => emit({ type: 'inside', result }),
        (e: unknown) => emit(errorEvent(e)),
      );
      return;
    }
    default: {
      const never: never = msg;
      throw new Error(`unknown worker request ${JSON.stringify(never)}`);
    }
  }
});
