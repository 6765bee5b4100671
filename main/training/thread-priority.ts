/**
 * Training in the studio runs beside its own interface on the same machine, and on 2 cores the run's kernel threads
 * keep both busy. A run started from the studio therefore lowers its worker thread's scheduling priority (nice 10, as
 * background work does); the kernel threads it starts afterwards inherit it. The interface (the browser's or
 * Electron's renderer, the host's event loop) then gets a core whenever it needs one, and the run keeps every core the
 * interface leaves idle.
 * Linux only: there `setpriority` on a thread id changes that one thread. Elsewhere (macOS, Windows) the call would
 * change the whole process, the studio's host included, so it is not made and the reason is returned.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Nice value of background work: the interface (nice 0) gets about 10× the CPU share of a busy training thread. */
export const BACKGROUND_NICE = 10;

/** This thread's id (Linux), from /proc/thread-self → "<pid>/task/<tid>". */
function threadId(): number {
  return Number(readlinkSync('/proc/thread-self').split('/').pop());
}

/** This thread's nice value (Linux), field 19 of /proc/thread-self/stat. */
export function threadNice(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/**
 * Lowers the calling thread's priority to BACKGROUND_NICE. Returns null when done, else why not (the run goes on at
 * normal priority either way).
 */
export function runInBackground(): string | null {
  if (process.platform !== 'linux')
    return `a background priority for the training thread alone is set on Linux only (this is ${process.platform})`;
  try {
    setPriority(threadId(), BACKGROUND_NICE);
    return null;
  } catch (e) {
    return `the training thread's priority could not be lowered: ${(e as Error).message}`;
  }
}
