import { useEffect, useMemo, useState } from 'react';
import type { RunDetail } from '../../shared/api.js';
import { useApi } from '../api/studio-client.js';
import { errorMessage } from '../api/errors.js';
import { formatDuration, formatMetric, formatTimestamp } from '../lib/format.js';
import { compareEpochRows } from '../training/chart-data.js';
import { CHART_COLORS } from '../components/chart-style.js';
import { EpochLinesChart } from './epoch-lines-chart.js';
import { diffSpecs } from '../lib/spec-diff.js';

/** Two runs side by side: their validation curves overlaid and what differs in their specs. */
export function CompareView({ runA, runB }: { runA: string; runB: string }) {
  const api = useApi();
  const [runs, setRuns] = useState<[RunDetail, RunDetail] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setRuns(null);
    setError(null);
    Promise.all([api.getRun({ runId: runA }), api.getRun({ runId: runB })]).then(
      ([a, b]) => live && setRuns([a, b]),
      (e: unknown) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [api, runA, runB]);

  const diff = useMemo(() => (runs ? diffSpecs(runs[0].spec, runs[1].spec) : []), [runs]);
  if (error)
    return (
      <div className="error-box" role="alert" data-testid="compare-error">
        {error}
      </div>
    );
  if (!runs)
    return (
      <div className="muted" data-testid="compare-view" data-loading="true">
        Loading both runs…
      </div>
    );
  const [a, b] = runs;
  const metric =
    ['accuracy', 'mae'].find((k) =>
      [...a.epochRecords, ...b.epochRecords].some((e) => e.logs[`val_${k}`] !== undefined),
    ) ?? null;
  const label = (r: RunDetail, tag: string) => `${tag}: ${r.name} (${formatTimestamp(r.createdAt)})`;
  return (
    <div className="compare" data-testid="compare-view" data-run-a={a.id} data-run-b={b.id}>
      <table className="data-table compact compare-head">
        <thead>
          <tr>
            <th />
            <th>
              <span className="swatch" style={{ background: CHART_COLORS.primary }} /> A
            </th>
            <th>
              <span className="swatch" style={{ background: CHART_COLORS.secondary }} /> B
            </th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>Run</td>
            <td>
              {a.name} <span className="muted">{a.id}</span>
            </td>
            <td>
              {b.name} <span className="muted">{b.id}</span>
            </td>
          </tr>
          <tr>
            <td>Status</td>
            <td>
              {a.status}, {a.epochsRun}/{a.epochs} epochs
            </td>
            <td>
              {b.status}, {b.epochsRun}/{b.epochs} epochs
            </td>
          </tr>
          <tr>
            <td>Time</td>
            <td>{formatDuration(a.result?.seconds ?? null)}</td>
            <td>{formatDuration(b.result?.seconds ?? null)}</td>
          </tr>
          {['val_loss', ...(metric ? [`val_${metric}`] : [])].map((k) => (
            <tr key={k}>
              <td>best {k}</td>
              <td>{formatMetric(a.best[k])}</td>
              <td>{formatMetric(b.best[k])}</td>
            </tr>
          ))}
          <tr>
            <td>Backend</td>
            <td>{a.backend ?? '—'}</td>
            <td>{b.backend ?? '—'}</td>
          </tr>
        </tbody>
      </table>
      <div className="chart-grid two">
        <CompareChart
          title="val_loss"
          testId="compare-chart-loss"
          rows={compareEpochRows(a.epochRecords, b.epochRecords, 'val_loss')}
          labelA={label(a, 'A')}
          labelB={label(b, 'B')}
        />
        {metric ? (
          <CompareChart
            title={`val_${metric}`}
            testId="compare-chart-metric"
            rows={compareEpochRows(a.epochRecords, b.epochRecords, `val_${metric}`)}
            labelA={label(a, 'A')}
            labelB={label(b, 'B')}
          />
        ) : (
          <section className="chart-card">
            <div className="chart-empty">Neither run logs a validation metric besides the loss.</div>
          </section>
        )}
      </div>
      <section>
        <h4>Spec differences</h4>
        {diff.length === 0 ? (
          <p className="muted" data-testid="spec-diff-empty">
            The two specs are identical; the runs differ only by chance (or backend).
          </p>
        ) : (
          <table className="data-table compact" data-testid="spec-diff" data-count={diff.length}>
            <thead>
              <tr>
                <th>Section</th>
                <th>Setting</th>
                <th>A</th>
                <th>B</th>
              </tr>
            </thead>
            <tbody>
              {diff.map((row, i) => (
                <tr key={i} data-testid="spec-diff-row" data-section={row.section}>
                  <td className="muted">{row.section}</td>
                  <td>{row.label}</td>
                  <td className="mono">{row.a}</td>
                  <td className="mono">{row.b}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function CompareChart({
  title,
  rows,
  labelA,
  labelB,
  testId,
}: {
  title: string;
  rows: { x: number; a: number | null; b: number | null }[];
  labelA: string;
  labelB: string;
  testId: string;
}) {
  const lines = [
    { key: 'a', name: labelA, color: CHART_COLORS.primary },
    { key: 'b', name: labelB, color: CHART_COLORS.secondary },
  ];
  return <EpochLinesChart title={title} testId={testId} rows={rows} lines={lines} dotRadius={2.5} />;
}
