import { useCallback } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ClassCurves, ClassifierDiagnostics } from '../../shared/classifier-metrics.js';
import { useApi } from '../api/studio-client.js';
import { useApiCall } from '../api/use-api-call.js';
import { formatCount, formatMetric, formatPercent } from '../lib/format.js';
import { CHART_COLORS, SERIES_PALETTE, axisProps, gridProps, tooltipProps } from '../components/chart-style.js';

const auc = (v: number | null) => (v === null ? 'undefined' : v.toFixed(3));

/**
 * A finished text classifier on its validation split (issue #15): the confusion matrix with counts and row rates,
 * ROC and precision–recall curves (one-vs-rest per class for a softmax), and the most confident mistakes.
 */
export function DiagnosticsView({ runId }: { runId: string }) {
  const api = useApi();
  const { result, error, busy, run } = useApiCall<ClassifierDiagnostics>(
    useCallback(() => api.diagnoseRun({ runId }), [api, runId]),
  );
  return (
    <section className="diagnostics" data-testid="diagnostics-view" style={{ marginTop: 16 }}>
      <div className="run-toolbar">
        <h4 style={{ margin: 0 }}>Diagnostics</h4>
        <button type="button" data-testid="diagnostics-run" disabled={busy} onClick={() => void run()}>
          {busy ? 'Computing…' : result ? 'Recompute' : 'Diagnose on the validation split'}
        </button>
        {result ? (
          <span
            className="muted small"
            data-testid="diagnostics-summary"
            data-count={result.count}
            data-accuracy={result.accuracy}
          >
            {formatCount(result.count)} validation examples · accuracy {formatPercent(result.accuracy)} ·
            {result.binary
              ? ` ROC AUC ${auc(result.macroRocAuc)} · average precision ${auc(result.macroAveragePrecision)}`
              : ` macro ROC AUC ${auc(result.macroRocAuc)} · macro average precision ${auc(result.macroAveragePrecision)}`}
          </span>
        ) : null}
      </div>
      {error ? (
        <div className="error-box" role="alert" data-testid="diagnostics-error">
          {error}
        </div>
      ) : null}
      {result ? (
        <>
          <ConfusionMatrix d={result} />
          <div className="chart-grid two">
            <CurveChart
              testId="diagnostics-roc"
              curves={result.curves}
              binary={result.binary}
              title={`ROC — ${result.binary ? 'AUC' : 'macro AUC'} ${auc(result.macroRocAuc)}`}
              x="fpr"
              y="tpr"
              xLabel="false positive rate"
              yLabel="true positive rate"
              area={(c) => c.rocAuc}
              chance={[
                { fpr: 0, tpr: 0 },
                { fpr: 1, tpr: 1 },
              ]}
            />
            <CurveChart
              testId="diagnostics-pr"
              curves={result.curves}
              binary={result.binary}
              title={`Precision–recall — ${result.binary ? 'AP' : 'macro AP'} ${auc(result.macroAveragePrecision)}`}
              x="recall"
              y="precision"
              xLabel="recall"
              yLabel="precision"
              area={(c) => c.averagePrecision}
              chance={
                result.binary
                  ? [
                      { recall: 0, precision: result.curves[0]!.positives / result.count },
                      { recall: 1, precision: result.curves[0]!.positives / result.count },
                    ]
                  : null
              }
            />
          </div>
          <Misclassified d={result} />
        </>
      ) : null}
    </section>
  );
}

function ConfusionMatrix({ d }: { d: ClassifierDiagnostics }) {
  const colTotals = d.classes.map((_, j) => d.confusion.reduce((a, row) => a + row[j]!, 0));
  return (
    <div className="table-scroll" style={{ marginTop: 10 }}>
      <table
        className="data-table compact"
        data-testid="diagnostics-confusion"
        data-total={d.confusion.flat().reduce((a, b) => a + b, 0)}
        style={{ width: 'auto' }}
      >
        <caption className="muted small" style={{ textAlign: 'left', paddingBottom: 4 }}>
          Confusion matrix: rows are the true class, columns the predicted one; the rate is the share of the row (recall
          on the diagonal).
        </caption>
        <thead>
          <tr>
            <th>true ↓ · predicted →</th>
            {d.classes.map((c) => (
              <th key={c} className="num">
                {c}
              </th>
            ))}
            <th className="num">total</th>
            <th className="num">recall</th>
          </tr>
        </thead>
        <tbody>
          {d.confusion.map((row, i) => {
            const total = row.reduce((a, b) => a + b, 0);
            return (
              <tr key={d.classes[i]}>
                <th>{d.classes[i]}</th>
                {row.map((n, j) => {
                  const rate = total === 0 ? 0 : n / total;
                  const color = i === j ? '94, 197, 138' : '242, 116, 116';
                  return (
                    <td
                      key={j}
                      className="num"
                      data-testid={`confusion-${i}-${j}`}
                      data-count={n}
                      data-rate={rate}
                      style={{ background: `rgba(${color}, ${(0.08 + 0.55 * rate).toFixed(3)})`, minWidth: 86 }}
                    >
                      <strong>{formatCount(n)}</strong> <span className="muted small">{formatPercent(rate)}</span>
                    </td>
                  );
                })}
                <td className="num">{formatCount(total)}</td>
                <td className="num">{total === 0 ? '—' : formatPercent(row[i]! / total)}</td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr>
            <td>precision</td>
            {d.classes.map((c, j) => (
              <td key={c} className="num">
                {colTotals[j] === 0 ? '—' : formatPercent(d.confusion[j]![j]! / colTotals[j]!)}
              </td>
            ))}
            <td className="num">{formatCount(d.count)}</td>
            <td />
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function CurveChart<X extends string, Y extends string>({
  testId,
  title,
  curves,
  binary,
  x,
  y,
  xLabel,
  yLabel,
  area,
  chance,
}: {
  testId: string;
  title: string;
  curves: ClassCurves[];
  binary: boolean;
  x: X;
  y: Y;
  xLabel: string;
  yLabel: string;
  area: (c: ClassCurves) => number | null;
  chance: Record<X | Y, number>[] | null;
}) {
  const points = (c: ClassCurves) => (x === 'fpr' ? c.roc : c.pr) as unknown as Record<X | Y, number>[];
  return (
    <section className="chart-card">
      <div className="chart-head">
        <h4>{title}</h4>
      </div>
      <div
        className="chart-box tall"
        data-testid={testId}
        data-curves={curves.length}
        data-areas={curves.map((c) => area(c) ?? 'null').join(',')}
      >
        <ResponsiveContainer width="100%" height="100%">
          <LineChart margin={{ top: 8, right: 16, bottom: 16, left: 4 }}>
            <CartesianGrid {...gridProps} />
            <XAxis
              dataKey={x}
              type="number"
              domain={[0, 1]}
              ticks={[0, 0.25, 0.5, 0.75, 1]}
              {...axisProps}
              label={{ value: xLabel, position: 'insideBottom', offset: -10, fill: CHART_COLORS.text, fontSize: 11 }}
            />
            <YAxis
              dataKey={y}
              type="number"
              domain={[0, 1]}
              ticks={[0, 0.25, 0.5, 0.75, 1]}
              width={58}
              {...axisProps}
              label={{
                value: yLabel,
                angle: -90,
                position: 'insideLeft',
                offset: 6,
                fill: CHART_COLORS.text,
                fontSize: 11,
              }}
            />
            <Tooltip
              {...tooltipProps}
              formatter={(v) => formatMetric(Number(v))}
              labelFormatter={(l) => `${xLabel} ${formatMetric(Number(l))}`}
            />
            <Legend verticalAlign="top" align="right" wrapperStyle={{ fontSize: 11, paddingBottom: 4 }} />
            {chance ? (
              <Line
                data={chance}
                dataKey={y}
                name={x === 'fpr' ? 'chance' : 'prevalence'}
                stroke={CHART_COLORS.text}
                strokeDasharray="4 3"
                strokeWidth={1}
                dot={false}
                isAnimationActive={false}
                legendType="none"
              />
            ) : null}
            {curves.map((c, k) => (
              <Line
                key={c.className}
                data={points(c)}
                dataKey={y}
                name={`${binary ? `${c.className} (positive)` : c.className} · ${auc(area(c))}`}
                stroke={binary ? CHART_COLORS.primary : SERIES_PALETTE[k % SERIES_PALETTE.length]}
                strokeWidth={1.8}
                dot={false}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </section>
  );
}

function Misclassified({ d }: { d: ClassifierDiagnostics }) {
  return (
    <section style={{ marginTop: 12 }}>
      <h4 style={{ margin: '0 0 6px' }}>
        Misclassified: {formatCount(d.misclassifiedCount)} of {formatCount(d.count)}
        {d.misclassifiedCount > d.misclassified.length ? ` (the ${d.misclassified.length} most confident shown)` : ''}
      </h4>
      {d.misclassified.length === 0 ? (
        <div className="empty-state">No mistakes on the validation split.</div>
      ) : (
        <div className="table-scroll" style={{ maxHeight: 360 }}>
          <table
            className="data-table compact"
            data-testid="diagnostics-misclassified"
            data-count={d.misclassified.length}
          >
            <thead>
              <tr>
                <th>text</th>
                <th>true</th>
                <th>predicted</th>
                <th className="num">confidence</th>
                <th>probabilities</th>
              </tr>
            </thead>
            <tbody>
              {d.misclassified.map((m) => (
                <tr key={m.index} data-testid="diagnostics-mistake">
                  <td style={{ maxWidth: 520, overflowWrap: 'anywhere' }}>
                    {m.text || <span className="muted">(empty)</span>}
                  </td>
                  <td>{d.classes[m.trueClass]}</td>
                  <td className="warn">{d.classes[m.predictedClass]}</td>
                  <td className="num">{formatPercent(m.confidence)}</td>
                  <td className="small">
                    {m.probabilities.map((p, k) => `${d.classes[k]} ${formatPercent(p)}`).join(' · ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
