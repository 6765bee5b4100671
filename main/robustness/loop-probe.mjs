// Test-only preload (child-host.ts loads it with --import into the browser host it spawns): times the host's own
// event loop in wall-clock terms, which a blocking system call (opening a FIFO, reading /dev/zero) shows and a
// CPU-time measure does not. Asked over the IPC channel, it answers with the delays since the last question and
// starts afresh. Never used by the app.
import { readFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

/** The probe's timer period: a tick that comes later than this waited behind something else on the loop. */
const PERIOD_MS = 10;

/**
 * The time (ms) this thread has spent runnable but waiting for a CPU (Linux's schedstat, second field), or null where
 * the kernel does not say. On a loaded 2-core machine other processes (and the host's own worker threads) take the
 * CPU from the loop for 100 ms and more: that wait is the machine's, not anything the host does on its loop.
 */
function runQueueWaitMs() {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return null;
  }
}

/**
 * Per tick since the last question: how late it came (wall clock), and how long the loop was blocked: the lateness,
 * at most the time the loop spent outside its wait for events (a thread descheduled while it waits is idle, not
 * blocked), less the time it waited for a CPU.
 */
let late = [];
let blocked = [];
let last = performance.now();
let lastWait = runQueueWaitMs();
let lastElu = performance.eventLoopUtilization();

function tick() {
  const now = performance.now();
  const wait = runQueueWaitMs();
  const { active } = performance.eventLoopUtilization(lastElu);
  const lateMs = Math.max(0, now - last - PERIOD_MS);
  late.push(lateMs);
  const cpuWait = wait === null || lastWait === null ? 0 : wait - lastWait;
  blocked.push(Math.max(0, Math.min(lateMs, active) - cpuWait));
  setTimeout(tick, PERIOD_MS).unref();
  // From here, so that the probe's own reads are not counted as the loop's.
  lastWait = runQueueWaitMs();
  lastElu = performance.eventLoopUtilization();
  last = performance.now();
}
// --import reaches worker threads too: only the main thread's loop serves clients.
if (isMainThread) setTimeout(tick, PERIOD_MS).unref();

const max = (xs) => xs.reduce((a, b) => Math.max(a, b), 0);
const p99 = (xs) => (xs.length === 0 ? 0 : [...xs].sort((a, b) => a - b)[Math.floor(0.99 * (xs.length - 1))]);

if (isMainThread && process.send) {
  process.on('message', (message) => {
    if (message !== 'loop-delay?') return;
    process.send?.({
      loopDelay: {
        maxMs: max(blocked),
        p99Ms: p99(blocked),
        wallMaxMs: max(late),
        samples: late.length,
        cpuWaitKnown: lastWait !== null,
      },
    });
    late = [];
    blocked = [];
  });
  // The channel must not keep a host alive that would otherwise exit.
  process.channel?.unref();
}
