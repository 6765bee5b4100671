#!/usr/bin/env node
// @ts-check
// Bundles the React renderer with esbuild into dist/renderer/ (index.html, app.js, app.css).
// One bundle for both hosts: Electron loads it from disk, the web host serves it over HTTP.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'renderer');
mkdirSync(outdir, { recursive: true });
const started = performance.now();
await build({
  entryPoints: { app: join(root, 'renderer', 'main.tsx') },
  bundle: true,
  outdir,
  format: 'esm',
  platform: 'browser',
  target: ['chrome120'],
  jsx: 'automatic',
  minify: process.argv.includes('--minify'),
  sourcemap: true,
  define: { 'process.env.NODE_ENV': JSON.stringify(process.argv.includes('--minify') ? 'production' : 'development') },
  logLevel: 'warning',
});
copyFileSync(join(root, 'renderer', 'index.html'), join(outdir, 'index.html'));
console.log(`renderer built into ${outdir} in ${Math.round(performance.now() - started)} ms`);
