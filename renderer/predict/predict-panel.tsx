import { memo, useCallback, useEffect, useState } from 'react';
import { dateAtRow } from '../lib/dates.js';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { RunSummary, SeriesPrediction, TextPrediction } from '../../shared/api.js';
import { useApi } from '../api/studio-client.js';
import { useApiCall } from '../api/use-api-call.js';
import { formatCount, formatMetric, formatPercent } from '../lib/format.js';
import { RunSelect } from '../runs/runs-panel.js';
import { useRunsList } from '../runs/use-runs-list.js';
import { useStudio } from '../state/studio-state.js';
import { CHART_COLORS, axisProps, gridProps, tooltipProps } from '../components/chart-style.js';
import { DiagnosticsView } from '../runs/diagnostics-view.js';
import { InsideView } from './inside-view.js';

const usable = (r: RunSummary) => r.status === 'completed' || r.status === 'stopped' || r.status === 'early-stopped';

/** Try a trained model: class probabilities for a text, or the forecast over the validation range. */
// memo: the shell re-renders for every live run update; a panel with no props need not follow it.
export const PredictPanel = memo(function PredictPanel() {
  const { runs, error } = useRunsList();
  const { predictRunId, setPredictRunId } = useStudio();
  const candidates = runs?.filter(usable) ?? null;
  // Default to the newest finished run, so the panel is useful right after training.
  useEffect(() => {
    if (!predictRunId && candidates && candidates.length > 0) setPredictRunId(candidates[0]!.id);
  }, [predictRunId, candidates, setPredictRunId]);
  const run = runs?.find((r) => r.id === predictRunId) ?? null;
  return (
    <div className="predict-panel" data-testid="predict-panel">
      <div className="runs-toolbar">
        <h3>Predict</h3>
        <RunSelect
          testId="predict-run-select"
          runs={runs}
          value={predictRunId ?? ''}
          onChange={(id) => setPredictRunId(id || null)}
          placeholder="Choose a finished run…"
          filter={usable}
        />
        {run ? (
          <span className="muted small">
            {run.dataKind === 'text' ? 'text classifier' : run.dataKind === 'timeseries' ? 'forecaster' : ''} · {run.id}
          </span>
        ) : null}
      </div>
      {error ? (
        <div className="error-box" role="alert">
          {error}
        </div>
      ) : null}
      {candidates?.length === 0 ? (
        <div className="empty-state">No finished run with a saved model yet: train one first.</div>
      ) : null}
      {run?.dataKind === 'text' ? <TextPredict key={run.id} runId={run.id} /> : null}
      {run?.dataKind === 'text' ? <DiagnosticsView key={`diagnostics-${run.id}`} runId={run.id} /> : null}
      {run?.dataKind === 'timeseries' ? <SeriesPredict key={run.id} runId={run.id} /> : null}
    </div>
  );
});

function TextPredict({ runId }: { runId: string }) {
  const api = useApi();
  const [text, setText] = useState('');
  const {
    result,
    error,
    busy,
    run: submit,
  } = useApiCall<TextPrediction>(useCallback(() => api.predictText({ runId, text }), [api, runId, text]));
  const best = result ? result.probabilities.indexOf(Math.max(...result.probabilities)) : -1;
  return (
    <div className="predict-text">
      <textarea
        data-testid="predict-text-input"
        rows={5}
        placeholder="Type or paste a text to classify…"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void submit();
        }}
      />
      <div className="run-toolbar">
        <button
          type="button"
          className="primary"
          data-testid="predict-text-submit"
          disabled={busy || text.trim() === ''}
          onClick={() => void submit()}
        >
          {busy ? 'Predicting…' : 'Predict'}
        </button>
        <span className="muted small">Ctrl+Enter</span>
      </div>
      {error ? (
        <div className="error-box" role="alert" data-testid="predict-error">
          {error}
        </div>
      ) : null}
      {result ? (
        <div
          className="predict-result"
          data-testid="predict-text-result"
          data-top-class={result.classNames[best] ?? ''}
        >
          <div className="prob-bars">
            {result.classNames.map((name, i) => {
              const p = result.probabilities[i] ?? 0;
              return (
                <div
                  key={name}
                  className={`prob-row${i === best ? ' top' : ''}`}
                  data-testid={`predict-class-${name}`}
                  data-probability={p}
                >
                  <span className="prob-label">{name}</span>
                  <span className="prob-track">
                    <span className="prob-fill" style={{ width: `${(p * 100).toFixed(1)}%` }} />
                  </span>
                  <span className="prob-value">{formatPercent(p)}</span>
                </div>
              );
            })}
          </div>
          <div className="tokens" data-testid="predict-tokens">
            <span className="muted small">Tokens the model saw ({result.tokens.length}):</span>
            <div className="token-list">
              {result.tokens.map((t, i) => (
                <span key={i} className={`token${t === '<OOV>' ? ' oov' : ''}`}>
                  {t}
                </span>
              ))}
              {result.tokens.length === 0 ? (
                <span className="muted small">none: every word was filtered out</span>
              ) : null}
            </div>
          </div>
        </div>
      ) : null}
      {result ? <InsideView runId={runId} text={text} /> : null}
    </div>
  );
}

function SeriesPredict({ runId }: { runId: string }) {
  const api = useApi();
  const { result, error, busy, run } = useApiCall<SeriesPrediction>(
    useCallback(() => api.predictSeries({ runId }), [api, runId]),
  );
  // The forecast over the validation range needs no input: compute it as soon as the run is chosen.
  // `run` changes exactly when the call does (a new runId).
  useEffect(() => {
    void run();
  }, [run]);
  const beats = result ? result.mae < result.baselineMae : false;
  return (
    <div className="predict-series">
      <div className="run-toolbar">
        <button type="button" data-testid="predict-series-submit" disabled={busy} onClick={() => void run()}>
          {busy ? 'Predicting…' : 'Predict the validation range'}
        </button>
        {result ? (
          <span
            data-testid="predict-series-mae"
            data-mae={result.mae}
            data-baseline-mae={result.baselineMae}
            className={beats ? 'good' : 'warn'}
          >
            model MAE <strong>{formatMetric(result.mae)}</strong> vs common-sense baseline{' '}
            <strong>{formatMetric(result.baselineMae)}</strong> ({result.target} units) —
            {beats
              ? ` ${formatPercent((result.baselineMae - result.mae) / result.baselineMae)} better`
              : ' no better than the baseline'}
          </span>
        ) : null}
      </div>
      {error ? (
        <div className="error-box" role="alert" data-testid="predict-error">
          {error}
        </div>
      ) : null}
      {result ? (
        <section className="chart-card">
          <div className="chart-head">
            <h4>{result.target}: actual vs predicted vs baseline (validation windows)</h4>
          </div>
          <div className="chart-box tall" data-testid="predict-series-chart" data-points={result.points.length}>
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={result.points} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
                <CartesianGrid {...gridProps} />
                <XAxis
                  dataKey="row"
                  type="number"
                  domain={['dataMin', 'dataMax']}
                  {...axisProps}
                  tickFormatter={(v: number) => dateAtRow(result.points, v)?.slice(0, 10) ?? formatCount(v)}
                />
                <YAxis {...axisProps} width={56} domain={['auto', 'auto']} />
                <Tooltip
                  {...tooltipProps}
                  formatter={(v) => formatMetric(Number(v))}
                  labelFormatter={(l) => {
                    const d = dateAtRow(result.points, Number(l));
                    return d ? `${d} · row ${String(l)}` : `row ${String(l)}`;
                  }}
                />
                <Legend wrapperStyle={{ fontSize: 11 }} />
                <Line
                  dataKey="actual"
                  name="actual"
                  stroke={CHART_COLORS.text}
                  dot={false}
                  strokeWidth={1.2}
                  isAnimationActive={false}
                />
                <Line
                  dataKey="predicted"
                  name="predicted"
                  stroke={CHART_COLORS.primary}
                  dot={false}
                  strokeWidth={1.4}
                  isAnimationActive={false}
                />
                <Line
                  dataKey="baseline"
                  name="baseline (last value)"
                  stroke={CHART_COLORS.danger}
                  dot={false}
                  strokeWidth={1}
                  strokeDasharray="4 3"
                  isAnimationActive={false}
                />
              </LineChart>
            </ResponsiveContainer>
          </div>
        </section>
      ) : null}
      {result ? <InsideView runId={runId} /> : null}
    </div>
  );
}
