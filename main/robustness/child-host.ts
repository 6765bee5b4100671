/**
 * The browser host as `npm run web` runs it from source (main/web/server.ts through tsx), in a process of its own: a
 * crash is that process exiting, which the test survives and reports. loop-probe.mjs rides along inside it and
 * measures the host's event-loop delay in wall-clock time, so a test can say how long any client had to wait.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * How long the host's event loop was blocked since the last question, from how late loop-probe.mjs's 10 ms ticks came.
 * `maxMs` and `p99Ms` count a tick's lateness only while the loop was out of its wait for events (running a callback,
 * or blocked in a system call such as a FIFO's open), less the time the kernel kept the thread waiting for a CPU
 * (run-queue wait, /proc/thread-self/schedstat): on a loaded machine other processes take the CPU from the loop for
 * 100 ms and more, in its wait or in a callback, and that is no client's doing. `wallMaxMs` is the plain wall-clock
 * lateness.
 */
export interface LoopDelay {
  maxMs: number;
  p99Ms: number;
  wallMaxMs: number;
  samples: number;
  /** False where the kernel gives no run-queue wait (not Linux): then no CPU wait is taken off. */
  cpuWaitKnown: boolean;
}

export interface ChildHost {
  child: ChildProcess;
  port: number;
  token: string;
  /** The last few KB the host wrote to stderr (its dying words, if any). */
  stderr(): string;
  /** How it exited, or null while it runs. */
  exited(): string | null;
  /** Its resident set (MiB) from /proc, or null where there is none or it has gone. */
  rssMb(): number | null;
  /** The event-loop delay since the previous call (or since it listened), and a fresh start. */
  loopDelay(): Promise<LoopDelay>;
  stop(): Promise<void>;
}

export function rssMbOf(pid: number | undefined, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | null {
  if (process.platform !== 'linux' || pid === undefined) return null;
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Starts the host with these command-line options (and node's in `nodeArgs`: `--cpu-prof` shows what blocks it).
 * Resolves once it prints its URL; the token is the one it prints.
 */
export async function startChildHost(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  nodeArgs: string[] = [],
): Promise<ChildHost> {
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      '--import',
      'tsx',
      '--import',
      pathToFileURL(join(repoRoot, 'main', 'robustness', 'loop-probe.mjs')).href,
      join(repoRoot, 'main', 'web', 'server.ts'),
      '--port',
      '0',
      ...args,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, NODE_OPTIONS: '', ...env } },
  );
  let out = '';
  let err = '';
  let exit: string | null = null;
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-8000);
  });
  child.on('exit', (code, signal) => {
    exit = `exit code ${code}, signal ${signal}`;
  });
  // A host that dies closes the channel: sending to it then is an error the exit already reports.
  child.on('error', () => {});
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the host did not print its URL within 60 s: ${out} ${err}`)),
      60_000,
    );
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /open (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(new URL(m[1]!));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the host exited (${code}) before it listened: ${out} ${err}`));
    });
  });
  const loopDelay = () =>
    new Promise<LoopDelay>((resolve, reject) => {
      if (exit !== null) return reject(new Error(`the host has exited (${exit}): its loop probe cannot answer`));
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new Error(`the host's loop probe did not answer within 5 s (${exit ?? 'still running'})`));
      }, 5000);
      const onMessage = (m: { loopDelay?: LoopDelay }) => {
        if (!m.loopDelay) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(m.loopDelay);
      };
      child.on('message', onMessage);
      child.send('loop-delay?');
    });
  // The host's own start-up goes on for a moment after it prints its URL (from source: ~130 ms at a stretch on a
  // loaded 2-core machine, tsx compiling what loads late and the spare file worker starting). That is no client's
  // doing: a test's first measure starts once the loop has been quiet for a 200 ms window (at most 10 s).
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 200));
    if ((await loopDelay()).maxMs < 20) break;
  }
  return {
    child,
    port: Number(url.port),
    token: url.searchParams.get('token')!,
    stderr: () => err,
    exited: () => exit,
    rssMb: () => rssMbOf(child.pid),
    loopDelay,
    stop: async () => {
      if (exit !== null) return;
      const gone = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}
