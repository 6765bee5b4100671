/**
 * Checks of the data settings that shared/ does not make (it checks that data and input agree): fractions that
 * leave no training data, a missing target. Caught here, beside the field, instead of as a failed run.
 */
import type { ModelSpec } from '../../shared/model-spec.js';

export interface DataIssue {
  /** The data field at fault, e.g. "valFraction". */
  field: string;
  message: string;
}

const fmt = (v: unknown) => (typeof v === 'string' ? `"${v}"` : String(v));

function fraction(issues: DataIssue[], field: string, v: unknown, upper: 'open' | 'closed' = 'open') {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (upper === 'open' ? v >= 1 : v > 1)) {
    issues.push({
      field,
      message: `\`${field}\` must be a number in [0, 1${upper === 'open' ? ')' : ']'}. Received: ${field}=${fmt(v)}.`,
    });
  }
}

function integer(issues: DataIssue[], field: string, v: unknown, min: number) {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    issues.push({ field, message: `\`${field}\` must be an integer ≥ ${min}. Received: ${field}=${fmt(v)}.` });
  }
}

export function checkDataSettings(spec: ModelSpec): DataIssue[] {
  const d = spec.data;
  const issues: DataIssue[] = [];
  if (!d)
    return [{ field: 'path', message: 'Choose the data to train on: a bundled sample, or import a file or folder.' }];
  if (!d.path)
    issues.push({
      field: 'path',
      message: 'Choose the data to train on: a bundled sample, or import a file or folder.',
    });
  if (d.kind === 'text') {
    fraction(issues, 'valFraction', d.valFraction);
    fraction(issues, 'testFraction', d.testFraction);
    if ((d.valFraction ?? 0.2) + (d.testFraction ?? 0) >= 1 && issues.length === 0) {
      issues.push({
        field: 'valFraction',
        message: `valFraction + testFraction must leave documents to train on. Received: ${d.valFraction ?? 0.2} + ${d.testFraction ?? 0}.`,
      });
    }
    if (d.maxSamples !== undefined) integer(issues, 'maxSamples', d.maxSamples, 1);
    return issues;
  }
  if (!d.target) issues.push({ field: 'target', message: 'Choose the column to forecast (`target`).' });
  integer(issues, 'lookback', d.lookback, 1);
  integer(issues, 'step', d.step, 1);
  integer(issues, 'delay', d.delay, 0);
  fraction(issues, 'trainFraction', d.trainFraction);
  fraction(issues, 'valFraction', d.valFraction);
  const train = d.trainFraction ?? 0.5;
  const val = d.valFraction ?? 0.25;
  if (typeof train === 'number' && typeof val === 'number' && (train <= 0 || val <= 0 || train + val > 1)) {
    issues.push({
      field: 'trainFraction',
      message: `trainFraction and valFraction must both be positive and add up to at most 1. Received: ${train} + ${val}.`,
    });
  }
  if (d.features && d.features.length === 0)
    issues.push({ field: 'features', message: 'Choose at least one feature column.' });
  return issues;
}
