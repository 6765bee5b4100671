import { bestOf } from '../../shared/training-records.js';
import type { DataSummary } from '../../shared/worker-protocol.js';
import { formatRecurrence } from '../../shared/worker-protocol.js';
import {
  formatBackend,
  formatCount,
  formatDuration,
  formatMetric,
  formatPercent,
  formatBaselineGap,
} from '../lib/format.js';
import { isFinished, progressFraction } from '../api/run-state.js';
import type { RunError, RunLive } from '../api/run-state.js';

/** Progress bar with epoch x/y, batch, ETA; the attributes let tests and latency probes read it exactly. */
export function RunProgress({ run }: { run: RunLive | null }) {
  const p = run?.progress ?? null;
  const fraction = run ? progressFraction(run) : 0;
  const epochs = run?.epochsPlanned ?? null;
  const finished = run ? isFinished(run) : false;
  const epochNumber = p ? p.epoch + 1 : 0;
  const batchNumber = p ? p.batch + 1 : 0;
  return (
    <div
      className={`progress${run?.status === 'paused' ? ' paused' : ''}${run?.status === 'failed' ? ' failed' : ''}`}
      data-testid="train-progress"
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(fraction * 100)}
      data-epoch={epochNumber}
      data-epochs={epochs ?? ''}
      data-batch={batchNumber}
      data-batches={p?.batches ?? ''}
      data-status={run?.status ?? 'idle'}
      data-run-id={run?.runId ?? ''}
      data-last-update={run?.lastUpdate ?? ''}
    >
      <div className="progress-track">
        <div className="progress-fill" style={{ width: `${(fraction * 100).toFixed(2)}%` }} />
      </div>
      <div className="progress-text">
        {!run ? (
          <span className="muted">No run yet.</span>
        ) : (
          <>
            <span>
              Epoch <strong>{epochNumber}</strong>/{epochs ?? '?'}
            </span>
            {p ? (
              <span>
                batch {batchNumber}/{p.batches}
              </span>
            ) : (
              <span className="muted">{run.status === 'starting' ? 'starting (preparing data and model)…' : ''}</span>
            )}
            <span data-testid="train-eta">
              {finished
                ? `done in ${formatDuration(run.result?.seconds ?? null)}`
                : `ETA ${formatDuration(p?.etaSeconds ?? null)}`}
            </span>
            <span className={`status-chip status-${run.status}`} data-testid="run-status">
              {run.status}
            </span>
          </>
        )}
      </div>
    </div>
  );
}

export function BackendInfoLine({ run }: { run: RunLive | null }) {
  const text = run?.backend ? formatBackend(run.backend) : run?.backendName ? run.backendName : null;
  const recurrence = run ? formatRecurrence(run.recurrence, run.kernels) : null;
  return (
    <div
      className="backend-info"
      data-testid="backend-info"
      data-backend={run?.backend?.name ?? run?.backendName ?? ''}
    >
      <span className="muted">Backend </span>
      {text ?? <span className="muted">chosen when the run starts</span>}
      {recurrence && (
        <div className="muted" data-testid="recurrence-info">
          {recurrence}
        </div>
      )}
    </div>
  );
}

export function RunErrorBox({ error, testId = 'run-error' }: { error: RunError | null; testId?: string }) {
  if (!error) return null;
  const where =
    error.stage === 'spec'
      ? 'The spec was refused'
      : error.stage === 'data'
        ? 'The data could not be read'
        : error.stage === 'engine'
          ? 'Training failed'
          : 'The run failed';
  return (
    <div className="error-box" role="alert" data-testid={testId} data-stage={error.stage ?? ''}>
      <strong>{where}.</strong>
      <pre className="error-message">{error.message}</pre>
      {error.file ? (
        <div className="muted small">
          File {error.file}
          {error.row !== undefined ? `, row ${error.row}` : ''}
          {error.column ? `, column "${error.column}"` : ''}
        </div>
      ) : null}
      {error.issues && error.issues.length > 0 ? (
        <ul>
          {error.issues
            .filter((i) => i.severity === 'error')
            .map((i, n) => (
              <li key={n}>
                {i.layerIndex !== null ? `Layer ${i.layerIndex + 1}: ` : ''}
                {i.message}
              </li>
            ))}
        </ul>
      ) : null}
    </div>
  );
}

export function DataSummaryLine({ summary }: { summary: DataSummary | null }) {
  if (!summary) return null;
  if (summary.kind === 'text') {
    return (
      <div className="data-summary" data-testid="run-data-summary">
        {formatCount(summary.documents)} documents ({summary.classNames.join(' / ')}) · train{' '}
        {formatCount(summary.split.train)} · val {formatCount(summary.split.val)}
        {summary.split.test ? ` · test ${formatCount(summary.split.test)}` : ''} · vocabulary coverage{' '}
        {formatPercent(summary.coverage)} · {formatPercent(summary.truncatedShare)} cut at {summary.length} tokens
      </div>
    );
  }
  return (
    <div className="data-summary" data-testid="run-data-summary">
      {formatCount(summary.rows)} rows · windows train {formatCount(summary.windows.train)} / val{' '}
      {formatCount(summary.windows.val)} / test {formatCount(summary.windows.test)} · common-sense baseline val MAE{' '}
      <strong>{formatMetric(summary.baselineMae)}</strong> ({formatMetric(summary.baselineMaeUnits)} {summary.target})
    </div>
  );
}

/** How the run ended, and for a forecaster whether it beat the common-sense baseline. */
export function RunResultLine({ run, loss }: { run: RunLive; loss: string | null }) {
  const r = run.result;
  if (!r) return null;
  const valKey = loss === 'meanAbsoluteError' ? 'val_loss' : 'val_mae';
  const bestVal = bestOf(run.epochs, valKey)?.value ?? Infinity;
  const baseline = run.dataSummary?.kind === 'timeseries' ? run.dataSummary.baselineMae : null;
  return (
    <div className={`result-line result-${r.status}`} data-testid="run-result" data-status={r.status}>
      <strong>
        {r.status === 'completed'
          ? 'Completed'
          : r.status === 'early-stopped'
            ? 'Stopped early'
            : r.status === 'stopped'
              ? 'Stopped'
              : 'Failed'}
      </strong>{' '}
      after {r.epochsRun} epoch{r.epochsRun === 1 ? '' : 's'} in {formatDuration(r.seconds)}.
      {r.reason ? ` ${r.reason}` : ''}
      {r.bestEpoch !== null
        ? ` Best epoch ${r.bestEpoch + 1}${r.restoredBestWeights ? ' (weights restored)' : ''}.`
        : ''}
      {r.testLogs
        ? ` Test: ${Object.entries(r.testLogs)
            .map(([k, v]) => `${k} ${formatMetric(v)}`)
            .join(', ')}.`
        : ''}
      {baseline !== null && Number.isFinite(bestVal) ? (
        <span className={bestVal < baseline ? 'good' : 'warn'} data-testid="baseline-verdict">
          {' '}
          {bestVal < baseline ? 'Beats' : 'Does not beat'} the common-sense baseline: best {valKey}{' '}
          {formatMetric(bestVal)} vs {formatMetric(baseline)} ({formatBaselineGap(bestVal, baseline)}).
        </span>
      ) : null}
    </div>
  );
}
