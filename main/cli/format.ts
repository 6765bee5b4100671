/** Small text formatters for the CLI's progress and report lines. */
import type { DataSummary } from '../../shared/worker-protocol.js';

/** 95 → "1m 35s", 4000 → "1h 06m", 3.2 → "3s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** "loss 0.4521  accuracy 0.7890  val_loss 0.5012" — Keras's order: training logs first, then validation. */
export function formatLogs(logs: Record<string, number>): string {
  const keys = Object.keys(logs).sort((a, b) => Number(a.startsWith('val_')) - Number(b.startsWith('val_')));
  return keys.map((k) => `${k} ${logs[k]!.toFixed(4)}`).join('  ');
}

/** A fixed-width bar: progressBar(0.5, 10) → "[=====     ]". */
export function progressBar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(f * width);
  return `[${'='.repeat(filled)}${' '.repeat(width - filled)}]`;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The data report printed before training. */
export function describeData(s: DataSummary): string[] {
  if (s.kind === 'text') {
    return [
      `Data: ${s.path} (${s.format}, ${s.encoding}) — ${s.documents} documents, classes ${s.classNames.map((c, i) => `${c}=${s.classCounts[i]}`).join(', ')}`,
      `  split train/val/test ${s.split.train}/${s.split.val}/${s.split.test}; vocabulary ${s.vocabSize} of ${s.vocabularySeen} distinct training words covers ${pct(s.coverage)} of training tokens`,
      `  length ${s.length}: ${pct(s.truncatedShare)} of training sequences truncated (median ${s.lengthPercentiles.p50}, p90 ${s.lengthPercentiles.p90}, p99 ${s.lengthPercentiles.p99} tokens)` +
        (s.skipped.length
          ? `; skipped ${s.skipped.length} file(s), first: ${s.skipped[0]!.file} (${s.skipped[0]!.reason})`
          : ''),
    ];
  }
  return [
    `Data: ${s.path} — ${s.rows} rows, features ${s.featureNames.join(', ')}; target ${s.target} (train mean ${s.targetMean.toFixed(3)}, std ${s.targetStd.toFixed(3)})`,
    `  windows: lookback ${s.lookback}, step ${s.step}, delay ${s.delay} → ${s.timesteps} timesteps; train/val/test windows ${s.windows.train}/${s.windows.val}/${s.windows.test} (rows ${s.rowRanges.train.join('–')}, ${s.rowRanges.val.join('–')}, ${s.rowRanges.test.join('–')})`,
    `  common-sense baseline (last value) on validation: MAE ${s.baselineMae.toFixed(4)} normalised = ${s.baselineMaeUnits.toFixed(3)} in ${s.target} units`,
  ];
}
