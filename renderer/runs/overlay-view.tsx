/**
 * Any number of chosen runs overlaid (TensorBoard's many-run view): one chart per chosen log with one coloured line
 * per run, epoch on x, a legend of run names whose buttons hide or show a run in every chart.
 */
import { useEffect, useMemo, useState } from 'react';
import type { RunDetail } from '../../shared/api.js';
import { useApi } from '../api/studio-client.js';
import { errorMessage } from '../api/errors.js';
import { formatMetric } from '../lib/format.js';
import { SERIES_PALETTE } from '../components/chart-style.js';
import { EpochLinesChart } from './epoch-lines-chart.js';
import { familyRows } from './family-compare.js';

/** The logs charted by default: the loss, the validation loss and the first validation metric any run logs. */
export function defaultOverlayLogs(available: readonly string[]): string[] {
  const metric = ['val_accuracy', 'val_mae'].find((k) => available.includes(k));
  return ['loss', 'val_loss', ...(metric ? [metric] : [])].filter((k) => available.includes(k));
}

export function overlayColor(index: number): string {
  return SERIES_PALETTE[index % SERIES_PALETTE.length]!;
}

export function OverlayView({ runIds }: { runIds: string[] }) {
  const api = useApi();
  const [runs, setRuns] = useState<RunDetail[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [chosen, setChosen] = useState<string[] | null>(null);
  const key = runIds.join(',');

  useEffect(() => {
    let live = true;
    setRuns(null);
    setError(null);
    Promise.all(key ? key.split(',').map((runId) => api.getRun({ runId })) : []).then(
      (d) => live && setRuns(d),
      (e: unknown) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [api, key]);

  const available = useMemo(() => {
    const keys = new Set((runs ?? []).flatMap((r) => r.epochRecords.flatMap((e) => Object.keys(e.logs))));
    return [...keys].sort(
      (a, b) => a.replace(/^val_/, '').localeCompare(b.replace(/^val_/, '')) || a.length - b.length,
    );
  }, [runs]);

  if (error)
    return (
      <div className="error-box" role="alert" data-testid="overlay-error">
        {error}
      </div>
    );
  if (!runs)
    return (
      <div className="muted" data-testid="overlay-view" data-loading="true">
        Loading {runIds.length} runs…
      </div>
    );
  const logs = chosen ?? defaultOverlayLogs(available);
  const lines = runs
    .map((r, i) => ({ key: `r${i}`, name: r.name, color: overlayColor(i), id: r.id }))
    .filter((l) => !hidden.has(l.id));
  const toggleRun = (id: string) =>
    setHidden((h) => {
      const next = new Set(h);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const toggleLog = (k: string) =>
    setChosen(logs.includes(k) ? logs.filter((x) => x !== k) : available.filter((x) => x === k || logs.includes(x)));

  return (
    <div className="overlay" data-testid="overlay-view" data-runs={runs.length} data-visible={lines.length}>
      <div className="overlay-legend" data-testid="overlay-legend">
        {runs.map((r, i) => {
          const shown = !hidden.has(r.id);
          return (
            <button
              key={r.id}
              type="button"
              className={`overlay-run ${shown ? '' : 'off'}`}
              data-testid={`overlay-toggle-${r.id}`}
              aria-pressed={shown}
              title={`${shown ? 'Hide' : 'Show'} ${r.name} in the charts`}
              onClick={() => toggleRun(r.id)}
            >
              <span className="swatch" style={{ background: overlayColor(i) }} />
              <span className="overlay-run-name">{r.name}</span>
              <span className="muted small">
                {r.id} · {r.epochsRun} ep · best val_loss {formatMetric(r.best.val_loss)}
              </span>
            </button>
          );
        })}
      </div>
      <div className="overlay-logs">
        <span className="muted small">Logs</span>
        {available.map((k) => (
          <label key={k} className="overlay-log">
            <input
              type="checkbox"
              data-testid={`overlay-log-${k}`}
              checked={logs.includes(k)}
              onChange={() => toggleLog(k)}
            />{' '}
            {k}
          </label>
        ))}
      </div>
      {available.length === 0 ? <div className="empty-state">None of these runs has finished an epoch yet.</div> : null}
      <div className="chart-grid two">
        {logs.map((k) => (
          <EpochLinesChart
            key={k}
            title={k}
            testId={`overlay-chart-${k}`}
            rows={familyRows(runs, k)}
            lines={lines}
            dotRadius={2}
          />
        ))}
      </div>
    </div>
  );
}
