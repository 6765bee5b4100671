/**
 * Weights and gradients over time (TensorBoard's distributions and histograms): pick one trainable tensor of a
 * layer, see its values (or its gradient on each epoch's last batch) as a band chart over epochs — min…max, then
 * the bands a normal distribution would put at ±1.5σ, ±1σ, ±0.5σ, and the median, all read from the 30 bins — and
 * the last epoch's histogram with its min, max, mean and standard deviation.
 */
import { memo, useMemo, useState } from 'react';
import {
  Area,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { binEdges, distributionSeries, tensorNames } from '../../shared/histograms.js';
import { fmt } from '../../shared/gradient-flow.js';
import { isFinished } from '../api/run-state.js';
import type { RunLive } from '../api/run-state.js';
import { useThrottledValue } from '../lib/use-throttled.js';
import { useStaggeredValue } from '../lib/staggered-mount.js';
import { GRID_AT_TICKS, PLAIN_TICK } from '../lib/plain-tick.js';
import { CHART_COLORS, axisProps, gridProps, tooltipProps } from '../components/chart-style.js';
import './charts.css';

const REFRESH_MS = 1000;
type Which = 'values' | 'gradients';

/** Band opacities from the outer (min…max) to the inner (±0.5σ) band, TensorBoard-like. */
const BAND_OPACITY = [0.16, 0.24, 0.32, 0.42];
/** Every sixth of the 30 bins is labelled: fixed, so recharts measures no labels to thin them (see plain-tick.tsx). */
const BIN_TICK_INTERVAL = 5;

interface BandRow {
  epoch: number;
  b0: [number, number];
  b1: [number, number];
  b2: [number, number];
  b3: [number, number];
  median: number;
}

/** The band chart's rows: epochs 1-based, each band a [low, high] pair of quantiles. */
export function bandRows(points: readonly { epoch: number; quantiles: number[] }[]): BandRow[] {
  return points.map(({ epoch, quantiles: q }) => ({
    epoch: epoch + 1,
    b0: [q[0]!, q[8]!],
    b1: [q[1]!, q[7]!],
    b2: [q[2]!, q[6]!],
    b3: [q[3]!, q[5]!],
    median: q[4]!,
  }));
}

export function HistogramsView({ run: latest, testPrefix = '' }: { run: RunLive; testPrefix?: string }) {
  const throttled = useThrottledValue(latest, isFinished(latest) ? 0 : REFRESH_MS);
  // Each chart draws in a turn of its own after the tab paints, like the run charts (the Training tab's switch
  // doubled without it), and a new epoch redraws them in two turns: the band chart, then the last histogram. The
  // body is memoised: the panel re-renders with every progress message, the charts only with new epochs.
  const band = useStaggeredValue(throttled.histograms);
  const last = useStaggeredValue(throttled.histograms);
  return (
    <HistogramsBody
      records={band.value}
      lastRecords={last.value}
      mounted={band.ready}
      barsMounted={last.ready && band.ready}
      testPrefix={testPrefix}
    />
  );
}

interface BodyProps {
  /** The records the band chart and the tensor list show. */
  records: RunLive['histograms'];
  /** The records the last epoch's histogram is read from (a turn behind `records` while an update is drawn). */
  lastRecords: RunLive['histograms'];
  mounted: boolean;
  barsMounted: boolean;
  testPrefix: string;
}

const HistogramsBody = memo(function HistogramsBody({
  records,
  lastRecords,
  mounted,
  barsMounted,
  testPrefix,
}: BodyProps) {
  const names = useMemo(() => tensorNames(records), [records]);
  const [picked, setPicked] = useState<string | null>(null);
  const [which, setWhich] = useState<Which>('values');
  const name = picked !== null && names.includes(picked) ? picked : (names[0] ?? null);
  const rows = useMemo(() => (name ? bandRows(distributionSeries(records, name, which)) : []), [records, name, which]);
  const lastRecord = lastRecords[lastRecords.length - 1];
  const last = name ? lastRecord?.tensors.find((t) => t.name === name) : undefined;
  const lastHist = last ? (which === 'values' ? last.values : last.gradients) : null;
  const bars = useMemo(() => {
    if (!lastHist) return [];
    const edges = binEdges(lastHist);
    return lastHist.counts.map((count, i) => ({ x: (edges[i]! + edges[i + 1]!) / 2, count }));
  }, [lastHist]);
  const id = (s: string) => `${testPrefix}histograms${s}`;
  const color = which === 'values' ? CHART_COLORS.primary : CHART_COLORS.secondary;
  const lastEpoch = (lastRecord?.epoch ?? 0) + 1;
  return (
    <section className="chart-card" data-testid={id('')} data-epochs={records.length} data-tensors={names.length}>
      <div className="chart-head">
        <h4>Weights and gradients over time</h4>
        <span className="muted small">
          per trainable tensor, at the end of each epoch (gradients: the epoch’s last batch)
        </span>
        <span className="header-spacer" />
        {names.length > 0 ? (
          <>
            <select
              data-testid={id('-tensor')}
              value={name ?? ''}
              onChange={(e) => setPicked(e.target.value)}
              aria-label="Weight tensor"
            >
              {names.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
            <span className="segmented small" role="radiogroup" aria-label="Values or gradients">
              {(['values', 'gradients'] as const).map((w) => (
                <label key={w}>
                  <input
                    type="radio"
                    name={id('-which')}
                    data-testid={id(`-which-${w}`)}
                    checked={which === w}
                    onChange={() => setWhich(w)}
                  />{' '}
                  {w === 'values' ? 'Weights' : 'Gradients'}
                </label>
              ))}
            </span>
          </>
        ) : null}
      </div>
      {names.length === 0 ? (
        <div className="chart-empty">
          The distribution of every weight tensor and its gradient appears at the end of the first epoch.
        </div>
      ) : (
        <>
          <div className="muted small">
            Distribution over epochs: min…max, bands at ±1.5σ, ±1σ, ±0.5σ of a normal distribution (quantiles from 30
            bins), median line.
          </div>
          <div data-testid={id('-distribution')} data-bands={rows.length} data-which={which} data-tensor={name ?? ''}>
            {mounted ? (
              <BandChart rows={rows} color={color} bandTestId={id('-band')} />
            ) : (
              <div style={{ height: 220 }} />
            )}
          </div>
          {lastHist ? (
            <div
              data-testid={id('-last')}
              data-bins={lastHist.counts.length}
              data-count={lastHist.count}
              data-epoch={lastEpoch}
            >
              <div className="muted small" data-testid={id('-stats')}>
                Epoch {lastEpoch} histogram of {which === 'values' ? 'the weights' : 'the gradient'} of {name}
                {last ? ` [${last.shape.join('×')}]` : ''}: min {fmt(lastHist.min)} · max {fmt(lastHist.max)} · mean{' '}
                {fmt(lastHist.mean)} · std {fmt(lastHist.std)}
                {lastHist.nonFinite > 0 ? ` · ${lastHist.nonFinite} NaN/Inf` : ''}
              </div>
              {barsMounted ? <LastHistogramChart bars={bars} color={color} /> : <div style={{ height: 160 }} />}
            </div>
          ) : (
            <div className="chart-empty" data-testid={id('-last-empty')}>
              No gradient reached {name} on the last batch.
            </div>
          )}
        </>
      )}
    </section>
  );
});

const BandChart = memo(function BandChart({
  rows,
  color,
  bandTestId,
}: {
  rows: BandRow[];
  color: string;
  bandTestId: string;
}) {
  return (
    <ResponsiveContainer width="100%" height={220}>
      <ComposedChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 8 }}>
        <CartesianGrid {...gridProps} {...GRID_AT_TICKS} />
        <XAxis
          dataKey="epoch"
          type="number"
          domain={['dataMin', 'dataMax']}
          allowDecimals={false}
          {...axisProps}
          tick={PLAIN_TICK}
          interval={0}
          label={{ value: 'epoch', position: 'insideBottomRight', offset: -2, fill: CHART_COLORS.text, fontSize: 11 }}
        />
        <YAxis
          {...axisProps}
          tick={PLAIN_TICK}
          interval={0}
          width={64}
          tickFormatter={(v: number) => fmt(v)}
          domain={['auto', 'auto']}
        />
        <Tooltip
          {...tooltipProps}
          formatter={(v: unknown) =>
            Array.isArray(v) ? `${fmt(Number(v[0]))} … ${fmt(Number(v[1]))}` : fmt(Number(v))
          }
          labelFormatter={(l) => `epoch ${String(l)}`}
        />
        {(['b0', 'b1', 'b2', 'b3'] as const).map((k, i) => (
          <Area
            key={k}
            dataKey={k}
            name={['min…max', '6.7%…93.3%', '15.9%…84.1%', '30.9%…69.1%'][i]}
            type="linear"
            stroke="none"
            fill={color}
            fillOpacity={BAND_OPACITY[i]}
            isAnimationActive={false}
          />
        ))}
        <Line
          dataKey="median"
          name="median"
          type="linear"
          stroke={color}
          strokeWidth={1.5}
          isAnimationActive={false}
          dot={(p: { cx?: number; cy?: number; index?: number }) => (
            <circle
              key={`band-${p.index ?? 0}`}
              cx={p.cx}
              cy={p.cy}
              r={2.5}
              fill={color}
              data-testid={bandTestId}
              data-epoch={rows[p.index ?? 0]?.epoch}
            />
          )}
        />
      </ComposedChart>
    </ResponsiveContainer>
  );
});

const LastHistogramChart = memo(function LastHistogramChart({
  bars,
  color,
}: {
  bars: { x: number; count: number }[];
  color: string;
}) {
  return (
    <ResponsiveContainer width="100%" height={160}>
      <BarChart data={bars} margin={{ top: 8, right: 16, bottom: 4, left: 8 }} barCategoryGap={1}>
        <CartesianGrid {...gridProps} {...GRID_AT_TICKS} />
        <XAxis
          dataKey="x"
          {...axisProps}
          tick={PLAIN_TICK}
          tickFormatter={(v: number) => fmt(v)}
          interval={BIN_TICK_INTERVAL}
        />
        <YAxis {...axisProps} tick={PLAIN_TICK} interval={0} width={48} allowDecimals={false} />
        <Tooltip {...tooltipProps} labelFormatter={(l) => `around ${fmt(Number(l))}`} />
        <Bar dataKey="count" fill={color} isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
});
