import type { BackendInfo } from '../../shared/worker-protocol.js';

/** "45s", "3m 05s", "2h 07m" — an ETA reads better coarse. */
export function formatDuration(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

// One formatter for every call: toLocaleString builds a new one each time, which showed in profiles of the shell.
const COUNT = new Intl.NumberFormat('en-US');

/** Parameter counts as Keras prints them: 1,234,567. */
export function formatCount(n: number): string {
  return COUNT.format(n);
}

/** A metric value with 4 significant digits, tiny and huge values in exponent form. */
export function formatMetric(v: number | null | undefined): string {
  if (typeof v !== 'number') return '—';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

/** The backend in one line, as the CLI prints it: `wasm (tfjs 4.22.0) — WebAssembly SIMD, 1 thread (…)`. */
export function formatBackend(info: BackendInfo | null | undefined): string {
  if (!info) return 'not started yet';
  const native = info.nativeVersion ? `, tfjs-node ${info.nativeVersion}` : '';
  return `${info.name} (tfjs ${info.tfjsVersion}${native}) — ${info.detail}`;
}

/** ISO time → "2025-11-27 14:03" in local time; sortable and unambiguous. */
export function formatTimestamp(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function formatPercent(share: number, digits = 1): string {
  return `${(share * 100).toFixed(digits)}%`;
}

/**
 * How a model's best error stands against the common-sense baseline's: the share of the baseline's error it removes
 * ("12.3%", or "-40.0%" when worse), and past twice the baseline's error the factor, which reads better for a run
 * that diverged than "-1192549.2%": "11,926× the baseline's".
 */
export function formatBaselineGap(best: number, baseline: number): string {
  const ratio = best / baseline;
  if (!(ratio >= 2)) return formatPercent((baseline - best) / baseline);
  const times = ratio < 10 ? ratio.toFixed(1) : ratio < 1e7 ? COUNT.format(Math.round(ratio)) : ratio.toExponential(1);
  return `${times}× the baseline's`;
}
