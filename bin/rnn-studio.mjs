#!/usr/bin/env node
// @ts-check
// Runs the CLI from its ahead-of-time bundle (dist/node/cli.mjs, made by scripts/build-cli.mjs on `npm install`),
// so nothing compiles TypeScript at run time. In a source checkout where the bundle is missing or older than a file
// it was built from, it is rebuilt first (about a second); where it cannot be built (no esbuild), or with
// RNN_STUDIO_FROM_SOURCE=1, the CLI runs from source through tsx as before.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/node/cli.mjs', import.meta.url);
const builder = new URL('../scripts/build-cli.mjs', import.meta.url);

/** Makes sure the bundle exists and is fresh; false where it cannot be built here. */
async function ensureBundle() {
  if (!existsSync(builder)) return existsSync(bundle); // an installed copy without the build scripts
  const { isStale, buildCli } = await import(builder.href);
  if (!isStale()) return true;
  try {
    await buildCli({ quiet: true });
    return true;
  } catch (e) {
    console.error(
      `rnn-studio: could not bundle the CLI (${e instanceof Error ? e.message : String(e)}); running it from source.`,
    );
    return false;
  }
}

if (process.env.RNN_STUDIO_CHILD === '1') {
  // The source fallback's child: TypeScript through the tsx loader, which the training worker inherits.
  const source = '../main/cli/cli.ts'; // a computed name: type checking of this file does not compile the CLI again
  const { main } = await import(source);
  process.exitCode = await main(process.argv.slice(2));
} else if (process.env.RNN_STUDIO_FROM_SOURCE !== '1' && (await ensureBundle())) {
  const { main } = await import(bundle.href);
  process.exitCode = await main(process.argv.slice(2));
} else {
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, RNN_STUDIO_CHILD: '1' },
    },
  );
  // Ctrl-C reaches the child too (same process group); it stops training gracefully, so the launcher waits for it.
  process.on('SIGINT', () => {});
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
}
