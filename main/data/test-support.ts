// Helpers shared by the data layer's tests (not used by the app).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from './data-error.js';
import type { TimeSeriesDataSpec } from '../../shared/model-spec.js';

/** /work/main: two levels above this folder. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The bundled sample the worker tests train on: Seattle's hourly weather normals. */
export const SEATTLE_CSV = path.join(repoRoot, 'assets/samples/seattle-weather-hourly-normals.csv');

/** Forecasting its temperature hour by hour, with the window and the splits a test gives. */
export function seattleTemperature(
  window: Pick<TimeSeriesDataSpec, 'lookback' | 'delay' | 'trainFraction' | 'valFraction'>,
): TimeSeriesDataSpec {
  return { kind: 'timeseries', path: SEATTLE_CSV, target: 'temperature', step: 1, ...window };
}

/**
 * The read-only real data sets: ../shared/data/ beside the repository, or the folder RNN_STUDIO_SHARED_DATA names
 * (point it at a folder that does not exist to check that the tests which need them skip).
 */
export const sharedDataRoot = process.env.RNN_STUDIO_SHARED_DATA
  ? path.resolve(process.env.RNN_STUDIO_SHARED_DATA)
  : path.resolve(repoRoot, '../shared/data');

/** A file of the read-only real data sets in ../shared/data/. */
export function sharedData(...parts: string[]): string {
  return path.resolve(sharedDataRoot, ...parts);
}

/**
 * Why a test that reads `sharedData(...parts)` must skip, or false when the file is there: for node:test's
 * `{ skip }` option and Playwright's `test.skip(condition, reason)`. A clean clone has no ../shared/data.
 */
export function missingSharedData(...parts: string[]): string | false {
  const file = sharedData(...parts);
  return existsSync(file)
    ? false
    : `../shared/data is absent: ${file} does not exist (the read-only data sets beside the repository)`;
}

/** Asserts fn throws a DataError (not any other type) and that its fields / message match. */
export function assertDataError(
  fn: () => unknown,
  expected: { message?: string | RegExp; row?: number; column?: string; file?: string },
): DataError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  assert.ok(
    thrown instanceof DataError,
    `expected a DataError, got ${thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown)}`,
  );
  if (typeof expected.message === 'string') assert.equal(thrown.message, expected.message);
  else if (expected.message) assert.match(thrown.message, expected.message);
  if ('row' in expected) assert.equal(thrown.row, expected.row);
  if ('column' in expected) assert.equal(thrown.column, expected.column);
  if ('file' in expected) assert.equal(thrown.file, expected.file);
  return thrown;
}

/** A fresh folder in the OS temp dir and a function that removes it. */
export function makeTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `rnn-studio-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
