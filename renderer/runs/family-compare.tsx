/**
 * The runs of one template family overlaid (Chollet's chapter 6 comparisons): validation loss and metric per epoch
 * for every run, the common-sense baseline for forecasting, and a table of best values and times. The two-run
 * comparison (compare-view.tsx) generalised to N runs, with the same chart styling.
 */
import { useEffect, useState } from 'react';
import type { RunDetail, RunSummary } from '../../shared/api.js';
import { templateFamily } from '../../shared/templates.js';
import { useApi } from '../api/studio-client.js';
import { errorMessage } from '../api/errors.js';
import { formatDuration, formatMetric, formatTimestamp } from '../lib/format.js';
import { SERIES_PALETTE } from '../components/chart-style.js';
import { EpochLinesChart } from './epoch-lines-chart.js';

/** Rows { x: epoch (1-based), r0, r1, … } for one log key across runs. */
export function familyRows(
  runs: readonly Pick<RunDetail, 'epochRecords'>[],
  key: string,
): Record<string, number | null>[] {
  const epochs = [...new Set(runs.flatMap((r) => r.epochRecords.map((e) => e.epoch)))].sort((a, b) => a - b);
  return epochs.map((e) => {
    const row: Record<string, number | null> = { x: e + 1 };
    runs.forEach((r, i) => {
      const v = r.epochRecords.find((x) => x.epoch === e)?.logs[key];
      row[`r${i}`] = typeof v === 'number' && Number.isFinite(v) ? v : null;
    });
    return row;
  });
}

export function FamilyCompareView({ family, runs: summaries }: { family: string; runs: RunSummary[] }) {
  const api = useApi();
  const [runs, setRuns] = useState<RunDetail[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ids = summaries
    .filter((r) => r.templateFamily === family && r.status !== 'running' && r.status !== 'paused')
    .map((r) => r.id);
  const key = ids.join(',');
  useEffect(() => {
    let live = true;
    setRuns(null);
    setError(null);
    Promise.all(key ? key.split(',').map((runId) => api.getRun({ runId })) : []).then(
      (d) => live && setRuns(d.reverse()),
      (e: unknown) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [api, key]);
  const info = templateFamily(family);
  if (error)
    return (
      <div className="error-box" role="alert" data-testid="family-compare-error">
        {error}
      </div>
    );
  if (!runs)
    return (
      <div className="muted" data-testid="family-compare" data-loading="true">
        Loading the family’s runs…
      </div>
    );
  const metric =
    ['accuracy', 'mae'].find((k) => runs.some((r) => r.epochRecords.some((e) => e.logs[`val_${k}`] !== undefined))) ??
    null;
  const summary = runs.find((r) => r.dataSummary?.kind === 'timeseries')?.dataSummary;
  const baseline = summary?.kind === 'timeseries' ? summary.baselineMae : null;
  return (
    <div className="compare" data-testid="family-compare" data-family={family} data-runs={runs.length}>
      <h3>{info?.title ?? family}</h3>
      {info ? <p className="muted small">{info.explanation}</p> : null}
      {runs.length === 0 ? (
        <div className="empty-state">No finished run of this family yet: New from template → train.</div>
      ) : (
        <>
          <table className="data-table compact" data-testid="family-table">
            <thead>
              <tr>
                <th />
                <th>Run</th>
                <th className="num">epochs</th>
                <th className="num">best val_loss</th>
                {metric ? <th className="num">best val_{metric}</th> : null}
                <th className="num">time</th>
                <th>backend</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r, i) => (
                <tr key={r.id} data-testid="family-row">
                  <td>
                    <span className="swatch" style={{ background: SERIES_PALETTE[i % SERIES_PALETTE.length] }} />
                  </td>
                  <td>
                    {r.name} <span className="muted small">{formatTimestamp(r.createdAt)}</span>
                  </td>
                  <td className="num">
                    {r.epochsRun}/{r.epochs}
                  </td>
                  <td className="num">{formatMetric(r.best.val_loss)}</td>
                  {metric ? <td className="num">{formatMetric(r.best[`val_${metric}`])}</td> : null}
                  <td className="num">{formatDuration(r.result?.seconds ?? null)}</td>
                  <td>{r.backend ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="chart-grid two">
            <FamilyChart
              title="val_loss"
              runs={runs}
              logKey="val_loss"
              testId="family-chart-loss"
              baseline={
                baseline !== null && runs.some((r) => r.spec.training?.loss === 'meanAbsoluteError') ? baseline : null
              }
            />
            {metric ? (
              <FamilyChart
                title={`val_${metric}`}
                runs={runs}
                logKey={`val_${metric}`}
                testId="family-chart-metric"
                baseline={null}
              />
            ) : null}
          </div>
        </>
      )}
    </div>
  );
}

function FamilyChart({
  title,
  runs,
  logKey,
  testId,
  baseline,
}: {
  title: string;
  runs: RunDetail[];
  logKey: string;
  testId: string;
  baseline: number | null;
}) {
  const lines = runs.map((r, i) => ({ key: `r${i}`, name: r.name, color: SERIES_PALETTE[i % SERIES_PALETTE.length]! }));
  return (
    <EpochLinesChart
      title={title}
      testId={testId}
      rows={familyRows(runs, logKey)}
      lines={lines}
      dotRadius={2}
      baseline={baseline}
    />
  );
}
