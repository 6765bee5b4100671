#!/usr/bin/env node
// @ts-check
// The Keras interop tests (interop/, pytest) in their own virtual environment `.venv-interop/` (gitignored):
// created on first use from interop/requirements.txt (pinned) plus interop/requirements-nodeps.txt (installed with
// --no-deps, see that file), and re-created when either file changes. pip's own cache is the only thing kept
// outside the repository. Extra arguments go to pytest (e.g. `npm run test:interop -- -k import`).
// RNN_STUDIO_PYTHON picks the Python that creates the environment (default python3; 3.9–3.12).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const venv = join(root, '.venv-interop');
const python = join(venv, 'bin', 'python');
const requirements = /** @type {const} */ (['interop/requirements.txt', 'interop/requirements-nodeps.txt']);
const stampFile = join(venv, '.requirements.sha256');
const stamp = createHash('sha256')
  .update(requirements.map((f) => readFileSync(join(root, f), 'utf8')).join('\0'))
  .digest('hex');

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {import('node:child_process').SpawnSyncOptions} [opts]
 */
function run(cmd, args, opts = {}) {
  console.log(`$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

if (!existsSync(python) || !existsSync(stampFile) || readFileSync(stampFile, 'utf8').trim() !== stamp) {
  const base = process.env.RNN_STUDIO_PYTHON || 'python3';
  console.log(`Setting up ${venv} (tensorflow-cpu, keras 3, tensorflowjs, pytest; ≈ 250 MB download the first time)`);
  rmSync(venv, { recursive: true, force: true });
  /** @type {[string, string[]][]} */
  const steps = [
    [base, ['-m', 'venv', venv]],
    [python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements[0]]],
    [python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '-r', requirements[1]]],
  ];
  for (const [cmd, args] of steps) {
    if (run(cmd, args) !== 0) {
      console.error(`Setting up the interop environment failed at: ${cmd} ${args.join(' ')}`);
      process.exit(1);
    }
  }
  writeFileSync(stampFile, `${stamp}\n`);
}

const status = run(python, ['-m', 'pytest', 'interop', '-q', '-rs', ...process.argv.slice(2)], {
  env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', PYTHONDONTWRITEBYTECODE: '1' },
});
// pytest exits 5 when it collected no tests: that is a failure here, never a pass.
process.exit(status === 5 ? 1 : status);
