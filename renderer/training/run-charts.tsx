import { memo, useMemo, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { bestOf } from '../../shared/training-records.js';
import { formatMetric } from '../lib/format.js';
import { isFinished } from '../state/run-state.js';
import type { RunLive } from '../state/run-state.js';
import { useThrottledValue } from '../lib/use-throttled.js';
import { gradNormChartData, metricKeyOf, scalarChartData, chartEpochSpan } from './chart-data.js';
import { CHART_COLORS, SERIES_PALETTE, axisProps, gridProps, tooltipProps } from './chart-style.js';

const SMOOTHING_KEY = 'rnn-studio.smoothing';
/** Live charts redraw at most this often; the progress bar still follows every message. */
const CHART_REFRESH_MS = 250;

function initialSmoothing(): number {
  try {
    const v = Number(localStorage.getItem(SMOOTHING_KEY));
    return Number.isFinite(v) && v >= 0 && v <= 0.99 && localStorage.getItem(SMOOTHING_KEY) !== null ? v : 0.6;
  } catch {
    return 0.6;
  }
}

/** The smoothing factor, remembered between sessions like TensorBoard's slider. */
export function useSmoothing(): [number, (v: number) => void] {
  const [value, setValue] = useState(initialSmoothing);
  return [value, (v: number) => {
    setValue(v);
    try {
      localStorage.setItem(SMOOTHING_KEY, String(v));
    } catch {
      // Private windows may refuse storage; the slider still works for this session.
    }
  }];
}

export function SmoothingControl({ value, onChange }: { value: number; onChange: (v: number) => void }) {
  return (
    <label className="smoothing" title="Exponential moving average of the per-batch curves, debiased like TensorBoard's. Epoch points are never smoothed.">
      EMA smoothing
      <input type="range" min={0} max={0.99} step={0.01} value={value} data-testid="smoothing-slider" onChange={(e) => onChange(Number(e.target.value))} />
      <output data-testid="smoothing-value">{value.toFixed(2)}</output>
    </label>
  );
}

interface ChartsProps {
  run: RunLive;
  smoothing: number;
  /** Loss name from the run's spec: a mean-absolute-error loss gets the common-sense baseline line. */
  loss: string | null;
  clipnorm: number | null;
  /** Prefix for test ids, so a run detail and the live panel never collide. */
  testPrefix?: string;
}

/** Loss, metric and per-layer gradient norm charts of one run, live or stored. */
export function RunCharts({ run: latest, smoothing, loss, clipnorm, testPrefix = '' }: ChartsProps) {
  const run = useThrottledValue(latest, isFinished(latest) ? 0 : CHART_REFRESH_MS);
  const metricKey = metricKeyOf(run);
  const summary = run.dataSummary;
  // One object per data summary, so the memoised loss chart is not redrawn for a new-but-equal prop.
  const baseline = useMemo(() => {
    if (summary?.kind !== 'timeseries' || loss !== 'meanAbsoluteError') return null;
    return { value: summary.baselineMae, label: `baseline MAE ${formatMetric(summary.baselineMae)} (${formatMetric(summary.baselineMaeUnits)} in target units)` };
  }, [summary, loss]);
  const maxX = chartEpochSpan(run.epochsPlanned, run.epochs.length);
  return (
    <div className="chart-grid">
      <ScalarChart run={run} logKey="loss" title="Loss" smoothing={smoothing} maxX={maxX} testId={`${testPrefix}chart-loss`}
        baseline={baseline} />
      <ScalarChart run={run} logKey={metricKey} title={metricKey ? metricKey === 'accuracy' ? 'Accuracy' : metricKey.toUpperCase() : 'Metric'} smoothing={smoothing} maxX={maxX}
        testId={`${testPrefix}chart-metric`} baseline={null} />
      <GradNormChart run={run} maxX={maxX} clipnorm={clipnorm} testId={`${testPrefix}chart-gradnorms`} />
      <EpochTable epochs={run.epochs} metricKey={metricKey} testId={`${testPrefix}epoch-table`} />
    </div>
  );
}

interface ScalarChartProps {
  run: RunLive;
  logKey: string | null;
  title: string;
  smoothing: number;
  maxX: number | undefined;
  testId: string;
  baseline: { value: number; label: string } | null;
}

const ScalarChart = memo(function ScalarChart({ run, logKey, title, smoothing, maxX, testId, baseline }: ScalarChartProps) {
  const data = useMemo(() => (logKey ? scalarChartData(run, logKey, smoothing) : null), [run, logKey, smoothing]);
  const smoothed = smoothing > 0;
  return (
    <section className="chart-card">
      <div className="chart-head">
        <h4>{title}</h4>
        <span className="muted small">{logKey ? `per batch${smoothed ? ` (faint: raw; solid: EMA ${smoothing.toFixed(2)})` : ''} · per epoch: ${logKey}, val_${logKey}` : ''}</span>
      </div>
      <div className="chart-box" data-testid={testId} data-points={data?.points ?? 0} data-batch-points={data?.batch.length ?? 0} data-epoch-points={data?.epoch.length ?? 0}
        data-last-x={data?.batch.at(-1)?.x ?? 0}>
        {!data ? <div className="chart-empty">This run logs no metric besides the loss (add accuracy or mae in the training settings).</div> : (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
              <CartesianGrid {...gridProps} />
              <XAxis dataKey="x" type="number" domain={[0, maxX ?? 'dataMax']} allowDecimals={false} {...axisProps}
                label={{ value: 'epoch', position: 'insideBottomRight', offset: -2, fill: CHART_COLORS.text, fontSize: 11 }} />
              <YAxis {...axisProps} width={52} domain={['auto', 'auto']} tickFormatter={(v: number) => formatMetric(v)} />
              <Tooltip {...tooltipProps} formatter={(v) => formatMetric(typeof v === 'number' ? v : Number(v))} labelFormatter={(l) => `epoch ${Number(l).toFixed(2)}`} />
              <Legend wrapperStyle={{ fontSize: 11 }} />
              <Line data={data.batch} dataKey="raw" name={`${logKey} (batch)`} stroke={smoothed ? CHART_COLORS.raw : CHART_COLORS.primary} dot={false} strokeWidth={1} isAnimationActive={false} connectNulls />
              {smoothed ? <Line data={data.batch} dataKey="smooth" name={`${logKey} (batch, EMA ${smoothing.toFixed(2)})`} stroke={CHART_COLORS.primary} dot={false} strokeWidth={1.6} isAnimationActive={false} connectNulls /> : null}
              <Line data={data.epoch} dataKey="train" name={`${logKey} (epoch)`} stroke={CHART_COLORS.good} strokeWidth={1.6} dot={{ r: 2.5 }} isAnimationActive={false} connectNulls />
              <Line data={data.epoch} dataKey="val" name={`val_${logKey}`} stroke={CHART_COLORS.val} strokeWidth={1.8} strokeDasharray="5 3" dot={{ r: 3 }} isAnimationActive={false} connectNulls />
              {baseline ? (
                <ReferenceLine y={baseline.value} stroke={CHART_COLORS.danger} strokeDasharray="6 4" ifOverflow="extendDomain"
                  label={{ value: baseline.label, position: 'insideTopRight', fill: CHART_COLORS.danger, fontSize: 11 }} />
              ) : null}
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
    </section>
  );
});

const GradNormChart = memo(function GradNormChart({ run, maxX, clipnorm, testId }: { run: RunLive; maxX: number | undefined; clipnorm: number | null; testId: string }) {
  const data = useMemo(() => gradNormChartData(run), [run]);
  return (
    <section className="chart-card">
      <div className="chart-head">
        <h4>Gradient norm per layer</h4>
        <span className="muted small">L2 norm before clipping, per batch, log scale</span>
      </div>
      <div className="chart-box" data-testid={testId} data-points={data.points} data-lines={data.layers.length}>
        {data.points === 0 ? <div className="chart-empty">Gradient norms appear with the first batches.</div> : (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={data.rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
              <CartesianGrid {...gridProps} />
              <XAxis dataKey="x" type="number" domain={[0, maxX ?? 'dataMax']} allowDecimals={false} {...axisProps}
                label={{ value: 'epoch', position: 'insideBottomRight', offset: -2, fill: CHART_COLORS.text, fontSize: 11 }} />
              <YAxis scale="log" domain={['auto', 'auto']} allowDataOverflow {...axisProps} width={56} tickFormatter={(v: number) => v.toExponential(0)} />
              <Tooltip {...tooltipProps} formatter={(v) => formatMetric(Number(v))} labelFormatter={(l) => `epoch ${Number(l).toFixed(2)}`} />
              <Legend wrapperStyle={{ fontSize: 11 }} />
              {data.layers.map((name, i) => (
                <Line key={name} dataKey={name} name={name} stroke={SERIES_PALETTE[i % SERIES_PALETTE.length]} dot={false} strokeWidth={1.2} isAnimationActive={false} connectNulls />
              ))}
              {clipnorm ? <ReferenceLine y={clipnorm} stroke={CHART_COLORS.danger} strokeDasharray="4 3" label={{ value: `clipnorm ${clipnorm} (per tensor)`, position: 'insideTopRight', fill: CHART_COLORS.danger, fontSize: 11 }} /> : null}
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
    </section>
  );
});

const EpochTable = memo(function EpochTable({ epochs, metricKey, testId }: { epochs: RunLive['epochs']; metricKey: string | null; testId: string }) {
  const best = epochs[epochs.length - 1]?.bestEpoch ?? null;
  const keys = ['loss', 'val_loss', ...(metricKey ? [metricKey, `val_${metricKey}`] : [])];
  // Without early stopping there is no "best epoch" from the worker; mark the best val_loss instead.
  const bestByLoss = useMemo(() => bestOf(epochs, 'val_loss')?.epoch ?? null, [epochs]);
  const marked = best ?? bestByLoss;
  return (
    <section className="chart-card">
      <div className="chart-head"><h4>Epochs</h4><span className="muted small">★ best {best !== null ? '(early stopping monitor)' : 'val_loss'}</span></div>
      <div className="table-scroll chart-box" data-testid={testId} data-rows={epochs.length}>
        <table className="data-table compact">
          <thead><tr><th>#</th>{keys.map((k) => <th key={k} className="num">{k}</th>)}<th className="num">s</th></tr></thead>
          <tbody>
            {epochs.map((e) => (
              <tr key={e.epoch} className={e.epoch === marked ? 'best' : ''}>
                <td>{e.epoch + 1}{e.epoch === marked ? ' ★' : ''}</td>
                {keys.map((k) => <td key={k} className="num">{formatMetric(e.logs[k])}</td>)}
                <td className="num">{e.seconds.toFixed(1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {epochs.length === 0 ? <div className="chart-empty">Epoch results appear at the end of each epoch.</div> : null}
      </div>
    </section>
  );
});
