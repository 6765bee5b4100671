/**
 * Timestamps of a time-series file, read as people write them, and the file's sampling interval: so windows can be
 * chosen in time (Chollet 6.3: look back 5 days, sample hourly, predict 24 hours ahead) whatever a row stands for.
 */

/**
 * Milliseconds since the epoch (UTC, no time zone applied) for the formats data sets use, or null: ISO 8601
 * ("2009-01-01 00:10:00", "2009-01-01T00:10"), day-first with dots as in Jena ("01.01.2009 00:10:00"), year-first
 * with slashes ("2009/01/01 00:10"), and Unix seconds (9–10 digits). US-style "01/02/2009" is left out: it cannot be
 * told from day-first.
 */
export function parseTimestamp(text: string): number | null {
  const s = text.trim();
  if (/^\d{9,10}(\.\d+)?$/.test(s)) return Number(s) * 1000;
  let m =
    /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (m) return utc(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
  m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (m) return utc(+m[3]!, +m[2]!, +m[1]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
  return null;
}

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number): number | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/**
 * The typical time between rows, in seconds: the median of the positive differences between consecutive parseable
 * timestamps among the first `sample` rows (a gap or a clock change does not move a median). null when fewer than
 * two timestamps parse.
 */
export function samplingInterval(dates: readonly string[], sample = 2000): number | null {
  const diffs: number[] = [];
  let previous: number | null = null;
  for (const d of dates.slice(0, sample)) {
    const t = parseTimestamp(d);
    if (t !== null && previous !== null && t > previous) diffs.push((t - previous) / 1000);
    previous = t;
  }
  if (diffs.length === 0) return null;
  diffs.sort((a, b) => a - b);
  return diffs[Math.floor(diffs.length / 2)]!;
}

/** "10 min", "1 h", "3 days": a duration as a forecaster would say it. */
export function describeDuration(seconds: number): string {
  const units: [number, string, string][] = [
    [86_400, 'day', 'days'],
    [3_600, 'h', 'h'],
    [60, 'min', 'min'],
    [1, 's', 's'],
  ];
  for (const [size, one, many] of units) {
    if (seconds >= size) {
      const n = seconds / size;
      const shown = Number.isInteger(n) ? String(n) : n.toFixed(1);
      return `${shown} ${n === 1 ? one : many}`;
    }
  }
  return `${seconds} s`;
}

/**
 * Chollet's windows in time, as rows of a file sampled every `interval` seconds: look back 5 days, one sample an hour,
 * predict 24 hours ahead (Jena, every 10 minutes: 720 / 6 / 144). Daily or coarser data: the last 30 rows, each one,
 * the next row.
 */
export function windowDefaults(interval: number): { lookback: number; step: number; delay: number } {
  if (interval >= 86_400) return { lookback: 30, step: 1, delay: 1 };
  const rows = (seconds: number) => Math.max(1, Math.round(seconds / interval));
  return { lookback: rows(5 * 86_400), step: rows(3_600), delay: rows(86_400) };
}
