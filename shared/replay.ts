/**
 * Reproducible runs: what a run records about how it was made (provenance), and the comparison of a replay with
 * the run it repeats. On the same backend, with the same seed, data and versions, a replay must match exactly
 * (initialisation, dropout masks and batch order are seeded); across backends only within REPLAY_TOLERANCE.
 */
import type { DataSpec, ModelSpec } from './model-spec.js';
import type { RecurrencePath } from './engine-types.js';

/** What a run read as its data: a fingerprint of the files (main/data/data-digest.ts), how many, how many bytes. */
export interface DataFingerprint {
  hash: string;
  files: number;
  bytes: number;
}

/**
 * How `dataHash` was made. 'files-read': over the files the run's reader read, each hashed as it was read
 * (data-digest.ts). Absent in runs recorded before that: one sha256 over every file under the path, read again to
 * hash it. Hashes of different kinds are not compared.
 */
export type DataHashKind = 'files-read';

export interface RunProvenance {
  seed: number;
  /** The data's fingerprint (see `dataHashKind`); null until the run has read its data, and if it never did. */
  dataHash: string | null;
  dataHashKind?: DataHashKind;
  dataFiles: number;
  dataBytes: number;
  /** The preprocessing settings (the spec's data section: tokenizer / window settings, splits). */
  preprocessing: DataSpec | null;
  spec: ModelSpec;
  appVersion: string;
  nodeVersion: string;
  platform: string;
  /** Filled in when the worker reports them. */
  tfjsVersion: string | null;
  backend: string | null;
  nativeVersion: string | null;
  kernels: string | null;
  recurrence: RecurrencePath[] | null;
}

/** Largest |difference| accepted between a replay's logs and the original's when the backends differ. */
export const REPLAY_TOLERANCE = 1e-3;

export interface ReplayReport {
  /** The run this one repeats. */
  of: string;
  verdict: 'exact' | 'within-tolerance' | 'differs' | 'incomplete';
  sameBackend: boolean;
  dataMatches: boolean;
  /** What differs in the environment (backend, versions, kernels), one phrase each. */
  environmentChanges: string[];
  epochsCompared: number;
  batchesCompared: number;
  /** Largest |difference| over every compared value (epoch logs, per-batch losses). */
  maxAbsDiff: number;
  /** Where the largest difference is, e.g. "epoch 2 val_loss". */
  worst: string | null;
  tolerance: number;
  message: string;
}

interface Logged {
  epoch: number;
  logs: Record<string, number>;
}
interface BatchLogged {
  epoch: number;
  batch: number;
  logs: Record<string, number>;
}

/** Compares a replay's records with the original's (the epochs and batches both have). */
export function compareReplay(
  original: {
    id: string;
    provenance: RunProvenance | null;
    epochs: readonly Logged[];
    batches: readonly BatchLogged[];
    epochsPlanned: number;
  },
  replay: { provenance: RunProvenance | null; epochs: readonly Logged[]; batches: readonly BatchLogged[] },
): ReplayReport {
  const a = original.provenance;
  const b = replay.provenance;
  const changes: string[] = [];
  const diff = (label: string, x: unknown, y: unknown) => {
    if (JSON.stringify(x) !== JSON.stringify(y)) changes.push(`${label}: ${JSON.stringify(x)} → ${JSON.stringify(y)}`);
  };
  if (a && b) {
    diff('backend', a.backend, b.backend);
    diff('tfjs', a.tfjsVersion, b.tfjsVersion);
    diff('native TensorFlow', a.nativeVersion, b.nativeVersion);
    diff('app', a.appVersion, b.appVersion);
    diff('kernels', a.kernels, b.kernels);
    diff('seed', a.seed, b.seed);
  }
  const sameBackend = !a || !b || a.backend === b.backend;
  // Unknown (a run that never read its data, fingerprints made two ways) is not reported as a change.
  const dataMatches =
    !a ||
    !b ||
    a.dataHash === null ||
    b.dataHash === null ||
    a.dataHashKind !== b.dataHashKind ||
    a.dataHash === b.dataHash;
  let max = 0;
  let worst: string | null = null;
  const see = (label: string, x: number | undefined, y: number | undefined) => {
    if (x === undefined || y === undefined) return;
    const d = Number.isNaN(x) && Number.isNaN(y) ? 0 : Math.abs(x - y);
    if (!(d <= max)) {
      max = Number.isNaN(d) ? Infinity : d;
      worst = label;
    }
  };
  let epochsCompared = 0;
  for (const e of replay.epochs) {
    const o = original.epochs.find((x) => x.epoch === e.epoch);
    if (!o) continue;
    epochsCompared++;
    for (const k of Object.keys(o.logs)) see(`epoch ${e.epoch + 1} ${k}`, o.logs[k], e.logs[k]);
  }
  let batchesCompared = 0;
  const byKey = new Map(original.batches.map((x) => [`${x.epoch}:${x.batch}`, x]));
  for (const r of replay.batches) {
    const o = byKey.get(`${r.epoch}:${r.batch}`);
    if (!o) continue;
    batchesCompared++;
    see(`epoch ${r.epoch + 1} batch ${r.batch + 1} loss`, o.logs.loss, r.logs.loss);
  }
  const complete = epochsCompared > 0 && epochsCompared >= Math.min(original.epochs.length, original.epochsPlanned);
  const tolerance = sameBackend ? 0 : REPLAY_TOLERANCE;
  let verdict: ReplayReport['verdict'];
  if (!complete) verdict = 'incomplete';
  else if (max === 0) verdict = 'exact';
  else if (max <= REPLAY_TOLERANCE && !sameBackend) verdict = 'within-tolerance';
  else verdict = 'differs';
  const where = worst ? ` (largest at ${worst})` : '';
  const env = changes.length ? ` Changed: ${changes.join('; ')}.` : '';
  const data = dataMatches ? '' : ' The data file changed since the original run (different hash).';
  const message =
    verdict === 'exact'
      ? `Exact replay of ${original.id}: ${epochsCompared} epoch(s) and ${batchesCompared} batch losses are bit-for-bit equal.${env}`
      : verdict === 'within-tolerance'
        ? `Replay of ${original.id} on another backend matches within ${REPLAY_TOLERANCE}: max |Δ| ${max.toExponential(2)}${where}.${env}`
        : verdict === 'incomplete'
          ? `Replay of ${original.id} compared ${epochsCompared} of ${original.epochs.length} epoch(s): it did not run to the same end.${env}${data}`
          : `Replay of ${original.id} differs: max |Δ| ${max.toExponential(2)}${where}${sameBackend ? ', on the same backend' : ''}.${env}${data}`;
  return {
    of: original.id,
    verdict,
    sameBackend,
    dataMatches,
    environmentChanges: changes,
    epochsCompared,
    batchesCompared,
    maxAbsDiff: max,
    worst,
    tolerance,
    message,
  };
}
