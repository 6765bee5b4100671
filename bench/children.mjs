// @ts-check
// What the benchmark drivers (bench.mjs, sweep.mjs) share: each side of a comparison runs in a process of its own,
// whose one result line they read back, and rounds are summarised by their median.
import { spawn } from 'node:child_process';

/** @typedef {{ code: number | null; stdout: string; stderr: string }} ChildResult */

/**
 * Runs a command, returns { code, stdout, stderr }; kills it after `timeoutS`.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ cwd: string; timeoutS: number; env?: NodeJS.ProcessEnv; echo?: boolean }} options
 * @returns {Promise<ChildResult>}
 */
export function runChild(cmd, args, { cwd, timeoutS, env = process.env, echo = false }) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (echo) process.stderr.write(d);
    });
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutS} s)`;
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The JSON after `tag` on the child's stdout (`BENCH_RESULT {…}`), or `{ error }` with the error's own line when the
 * child failed: the first stderr line naming an error, then the last lines (a stack's last lines say only where).
 * @param {ChildResult} r
 * @param {string} tag
 * @returns {any}
 */
export function resultLine(r, tag) {
  const line = r.stdout.split('\n').find((l) => l.startsWith(`${tag} `));
  if (r.code === 0 && line) return JSON.parse(line.slice(tag.length + 1));
  const lines = r.stderr.trim().split('\n').filter(Boolean);
  const named = lines.find((l) => /\b\w*(Error|Exception)\b|^error:/i.test(l) && !/^\s+at /.test(l));
  const tail = [named, ...lines.slice(-2)].filter(Boolean).join(' | ');
  return { error: `exit ${r.code}: ${tail.slice(0, 600)}` };
}

/** @param {number[]} xs */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}
