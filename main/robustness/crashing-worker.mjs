// Test-only entry for the training worker (faults.test.ts): the real worker (main/training/worker.ts), made to crash
// once it has sent its first epoch. RNN_STUDIO_TEST_CRASH=exit ends the thread with exit code 70 (like a native
// abort); =throw raises an uncaught exception in it. Registered with setWorkerEntry(); never used by the app.
import { register } from 'tsx/esm/api';
import { parentPort } from 'node:worker_threads';

register();
const mode = process.env.RNN_STUDIO_TEST_CRASH ?? 'exit';
const post = parentPort.postMessage.bind(parentPort);
parentPort.postMessage = (message, ...rest) => {
  post(message, ...rest);
  if (message?.type === 'epoch') {
    if (mode === 'exit') process.exit(70);
    setImmediate(() => {
      throw new Error('injected crash after the first epoch');
    });
  }
};
await import(new URL('../training/worker.ts', import.meta.url).href);
