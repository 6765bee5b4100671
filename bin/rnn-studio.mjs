#!/usr/bin/env node
// Launches the TypeScript CLI through tsx. Node is re-executed with `--import <tsx>` (an absolute URL, so it works
// from any folder) because the training worker thread must inherit the TypeScript loader through execArgv.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (process.env.RNN_STUDIO_CHILD === '1') {
  const { main } = await import('../main/cli/cli.ts');
  process.exitCode = await main(process.argv.slice(2));
} else {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, RNN_STUDIO_CHILD: '1' },
  });
  // Ctrl-C reaches the child too (same process group); it stops training gracefully, so the launcher waits for it.
  process.on('SIGINT', () => {});
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
}
