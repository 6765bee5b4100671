import { memo, useMemo, useState } from 'react';
import {
  Brush,
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { bestOf } from '../../shared/training-records.js';
import { formatMetric } from '../lib/format.js';
import { isFinished } from '../api/run-state.js';
import type { RunLive } from '../api/run-state.js';
import { useThrottledValue } from '../lib/use-throttled.js';
import {
  chartEpochSpan,
  drawnSeries,
  formatTick,
  gradNormChartData,
  gradNormCsv,
  metricKeyOf,
  scalarChartData,
  scalarCsv,
  scalarCsvHeader,
  scalarRows,
  seriesValues,
  suggestLogScale,
  tickLabelWidth,
  yAxisPlan,
  zoomedDomain,
} from './chart-data.js';
import type { YAxisPlan, YScale } from './chart-data.js';
import {
  CHART_COLORS,
  SERIES_PALETTE,
  axisProps,
  brushProps,
  gridProps,
  tooltipProps,
} from '../components/chart-style.js';
import './charts.css';
import { useStaggeredValue } from '../lib/staggered-mount.js';
import { GRID_AT_TICKS, PLAIN_TICK } from '../lib/plain-tick.js';

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
  return [
    value,
    (v: number) => {
      setValue(v);
      try {
        localStorage.setItem(SMOOTHING_KEY, String(v));
      } catch {
        // Private windows may refuse storage; the slider still works for this session.
      }
    },
  ];
}

export function SmoothingControl({ value, onChange }: { value: number; onChange: (v: number) => void }) {
  return (
    <label
      className="smoothing"
      title="Exponential moving average of the per-batch curves, debiased like TensorBoard's. Epoch points are never smoothed."
    >
      EMA smoothing
      <input
        type="range"
        min={0}
        max={0.99}
        step={0.01}
        value={value}
        data-testid="smoothing-slider"
        onChange={(e) => onChange(Number(e.target.value))}
      />
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
    return {
      value: summary.baselineMae,
      label: `baseline MAE ${formatMetric(summary.baselineMae)} (${formatMetric(summary.baselineMaeUnits)} in target units)`,
    };
  }, [summary, loss]);
  return (
    <div className="chart-grid">
      <ScalarChart
        run={run}
        logKey="loss"
        title="Loss"
        smoothing={smoothing}
        testId={`${testPrefix}chart-loss`}
        baseline={baseline}
      />
      <ScalarChart
        run={run}
        logKey={metricKey}
        title={metricKey ? (metricKey === 'accuracy' ? 'Accuracy' : metricKey.toUpperCase()) : 'Metric'}
        smoothing={smoothing}
        testId={`${testPrefix}chart-metric`}
        baseline={null}
      />
      <GradNormChart run={run} clipnorm={clipnorm} testId={`${testPrefix}chart-gradnorms`} />
      <EpochTable epochs={run.epochs} metricKey={metricKey} testId={`${testPrefix}epoch-table`} />
    </div>
  );
}

interface ScalarChartProps {
  run: RunLive;
  logKey: string | null;
  title: string;
  smoothing: number;
  testId: string;
  baseline: { value: number; label: string } | null;
}

/** The x-axis end of a run's charts: its planned epochs, or as far as the data goes. */
const maxXOf = (run: RunLive) => chartEpochSpan(run.epochsPlanned, run.epochs.length);

/**
 * A chart draws the run it was given in its own turn (one chart per task, after a paint; see staggered-mount.ts):
 * a live refresh of the three charts is three short tasks, not one long one.
 */
const ScalarChart = memo(function ScalarChart(props: ScalarChartProps) {
  const shown = useStaggeredValue(props.run);
  return <ScalarChartView {...props} run={shown.value} mounted={shown.ready} />;
});

type Zoom = { startIndex: number; endIndex: number } | null;

/**
 * Per-chart y scale (null: follow the suggestion, log when the values span > 3 decades) and brush zoom. Both belong
 * to one run: a new run starts on its own suggestion, unzoomed.
 */
function useChartView(runId: string, values: readonly number[], defaultScale: YScale | null) {
  const [chosen, setChosen] = useState<{ runId: string; scale: YScale } | null>(null);
  const [zoomState, setZoomState] = useState<{ runId: string; zoom: Zoom } | null>(null);
  const [brushKey, setBrushKey] = useState(0);
  const suggested: YScale = defaultScale ?? (suggestLogScale(values) ? 'log' : 'linear');
  return {
    scale: chosen?.runId === runId ? chosen.scale : suggested,
    suggestedLog: suggested === 'log',
    setScale: (scale: YScale) => setChosen({ runId, scale }),
    zoom: zoomState?.runId === runId ? zoomState.zoom : null,
    setZoom: (zoom: Zoom) => setZoomState({ runId, zoom }),
    brushKey: `${runId}:${brushKey}`,
    resetZoom: () => {
      setZoomState(null);
      setBrushKey((k) => k + 1);
    },
  };
}

const SCALE_KEYS = ['raw', 'smooth', 'train', 'val'];

const ScalarChartView = memo(function ScalarChartView({
  run,
  logKey,
  title,
  smoothing,
  testId,
  baseline,
  mounted,
}: ScalarChartProps & { mounted: boolean }) {
  const maxX = maxXOf(run);
  const data = useMemo(() => (logKey ? scalarChartData(run, logKey, smoothing) : null), [run, logKey, smoothing]);
  const rows = useMemo(() => (data ? scalarRows(data) : []), [data]);
  const smoothed = smoothing > 0;
  const allValues = useMemo(() => seriesValues(rows, SCALE_KEYS), [rows]);
  const view = useChartView(run.runId, allValues, null);
  const zoomed = view.zoom && view.zoom.endIndex < rows.length ? view.zoom : null;
  const plan = useMemo(() => {
    const shown = zoomed ? rows.slice(zoomed.startIndex, zoomed.endIndex + 1) : rows;
    return yAxisPlan(view.scale, seriesValues(shown, SCALE_KEYS), baseline ? [baseline.value] : []);
  }, [rows, zoomed, view.scale, baseline]);
  // Each series is drawn from its own rows: the epoch lines (with dots) over a few epoch points instead of every
  // batch row, where recharts built a dot element per row for each of them. The chart's rows stay the brush's index.
  const drawn = useMemo(() => (data ? drawnSeries(data, plan.scale) : null), [data, plan.scale]);
  const xDomain = zoomedDomain(rows, zoomed) ?? [0, maxX ?? 'dataMax'];
  const csv = () => scalarCsv(rows, logKey ?? 'value', smoothed);
  return (
    <section className="chart-card">
      <div className="chart-head">
        <h4>{title}</h4>
        <span className="muted small">
          {logKey
            ? `per batch${smoothed ? ` (faint: raw; solid: EMA ${smoothing.toFixed(2)})` : ''} · per epoch: ${logKey}, val_${logKey}`
            : ''}
        </span>
        {data ? (
          <ChartTools
            testId={testId}
            view={view}
            zoomed={zoomed !== null}
            plan={plan}
            fileBase={`${run.runId}-${logKey}`}
            csv={csv}
          />
        ) : null}
      </div>
      <div
        className="chart-box zoomable"
        data-testid={testId}
        data-points={data?.points ?? 0}
        data-batch-points={data?.batch.length ?? 0}
        data-epoch-points={data?.epoch.length ?? 0}
        data-last-x={data?.batch.at(-1)?.x ?? 0}
        data-scale={plan.scale}
        data-log-suggested={view.suggestedLog}
        data-y-domain={plan.domain.join(',')}
        data-csv-header={logKey ? scalarCsvHeader(logKey, smoothed).join(',') : ''}
        data-csv-rows={rows.length}
      >
        {!data || !drawn ? (
          <div className="chart-empty">
            This run logs no metric besides the loss (add accuracy or mae in the training settings).
          </div>
        ) : !mounted ? null : (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={rows} margin={CHART_MARGIN_WITH_LEGEND}>
              <CartesianGrid {...gridProps} {...GRID_AT_TICKS} />
              <XAxis {...EPOCH_X_AXIS} domain={xDomain} />
              <PlannedYAxis plan={plan} />
              <Tooltip
                {...tooltipProps}
                formatter={(v) => formatMetric(typeof v === 'number' ? v : Number(v))}
                labelFormatter={(l) => `epoch ${Number(l).toFixed(2)}`}
              />
              <Line
                data={drawn.batch}
                dataKey="raw"
                name={`${logKey} (batch)`}
                stroke={smoothed ? CHART_COLORS.raw : CHART_COLORS.primary}
                dot={false}
                strokeWidth={1}
                isAnimationActive={false}
                connectNulls
              />
              {smoothed ? (
                <Line
                  data={drawn.batch}
                  dataKey="smooth"
                  name={`${logKey} (batch, EMA ${smoothing.toFixed(2)})`}
                  stroke={CHART_COLORS.primary}
                  dot={false}
                  strokeWidth={1.6}
                  isAnimationActive={false}
                  connectNulls
                />
              ) : null}
              <Line
                data={drawn.epoch}
                dataKey="train"
                name={`${logKey} (epoch)`}
                stroke={CHART_COLORS.good}
                strokeWidth={1.6}
                dot={{ r: 2.5 }}
                isAnimationActive={false}
                connectNulls
              />
              <Line
                data={drawn.epoch}
                dataKey="val"
                name={`val_${logKey}`}
                stroke={CHART_COLORS.val}
                strokeWidth={1.8}
                strokeDasharray="5 3"
                dot={{ r: 3 }}
                isAnimationActive={false}
                connectNulls
              />
              {baseline ? (
                <ReferenceLine
                  y={baseline.value}
                  stroke={CHART_COLORS.danger}
                  strokeDasharray="6 4"
                  ifOverflow="extendDomain"
                  label={<BaselineLabel text={baseline.label} />}
                />
              ) : null}
              {epochBrush(view, rows.length)}
            </LineChart>
          </ResponsiveContainer>
        )}
        {data && drawn && mounted ? (
          <ChartLegend
            items={[
              { name: `${logKey} (batch)`, color: smoothed ? CHART_COLORS.raw : CHART_COLORS.primary },
              ...(smoothed
                ? [{ name: `${logKey} (batch, EMA ${smoothing.toFixed(2)})`, color: CHART_COLORS.primary }]
                : []),
              { name: `${logKey} (epoch)`, color: CHART_COLORS.good },
              { name: `val_${logKey}`, color: CHART_COLORS.val, dashed: true },
            ]}
          />
        ) : null}
      </div>
    </section>
  );
});

const CHART_MARGIN = { top: 8, right: 16, bottom: 4, left: 4 };
/** Room under the plot (and its brush) for the legend, which is drawn over the chart box's bottom edge. */
const LEGEND_HEIGHT = 20;
const CHART_MARGIN_WITH_LEGEND = { ...CHART_MARGIN, bottom: CHART_MARGIN.bottom + LEGEND_HEIGHT };

interface LegendItem {
  name: string;
  color: string;
  dashed?: boolean;
}

const LEGEND_STYLE = {
  position: 'absolute',
  left: 0,
  right: 0,
  bottom: 0,
  height: LEGEND_HEIGHT,
  margin: 0,
  padding: 0,
  listStyle: 'none',
  display: 'flex',
  flexWrap: 'wrap',
  justifyContent: 'center',
  alignItems: 'center',
  gap: '4px 12px',
  fontSize: 11,
  color: 'var(--text)',
  overflow: 'hidden',
} as const;
const LEGEND_ITEM_STYLE = { display: 'inline-flex', alignItems: 'center', gap: 4, whiteSpace: 'nowrap' } as const;

/**
 * The series of a chart, as HTML under the plot. Recharts' <Legend> measured its own box after every render and
 * fed the size back into the chart's layout: one more render pass of the whole chart on every mount.
 */
function ChartLegend({ items }: { items: readonly LegendItem[] }) {
  return (
    <ul className="chart-legend" style={LEGEND_STYLE}>
      {items.map((item) => (
        <li key={item.name} className="chart-legend-item" style={LEGEND_ITEM_STYLE}>
          <svg width={14} height={8} aria-hidden="true">
            <line
              x1={0}
              y1={4}
              x2={14}
              y2={4}
              stroke={item.color}
              strokeWidth={2}
              strokeDasharray={item.dashed ? '4 2' : undefined}
            />
          </svg>
          {item.name}
        </li>
      ))}
    </ul>
  );
}
const formatEpochTick = (v: unknown) => String(Number(Number(v).toFixed(2)));

/**
 * The y axis of a plan: explicit ticks, a width from the widest formatted label (never clipped), and a key per domain
 * and scale. Recharts keys tick labels by value and coordinate and reuses the axis element across updates; with an
 * 'auto' domain that collapses to one value (the first batch: [0.6923, 0.6923]) its ticks repeat one value and
 * React kept stale labels drawn over the new ones. Remounting the axis whenever its domain changes, with ticks that
 * are unique by construction, leaves nothing behind.
 */
/** The x-axis of both run charts: batch rows at fractional epochs, labelled in epochs. */
const EPOCH_X_AXIS = {
  dataKey: 'x',
  type: 'number',
  allowDecimals: false,
  allowDataOverflow: true,
  interval: 0,
  ...axisProps,
  tick: PLAIN_TICK,
  tickFormatter: formatEpochTick,
  height: 32,
  label: { value: 'epoch', position: 'insideBottomRight', offset: 0, fill: CHART_COLORS.text, fontSize: 11 },
} as const;

/** The zoom brush under a run chart of `rowCount` rows (none for two rows or fewer); the whole range is no zoom. */
function epochBrush(view: ReturnType<typeof useChartView>, rowCount: number) {
  if (rowCount <= 2) return null;
  return (
    <Brush
      key={view.brushKey}
      dataKey="x"
      height={14}
      travellerWidth={6}
      {...brushProps}
      tickFormatter={formatEpochTick}
      onChange={(r) =>
        view.setZoom(
          r.startIndex === 0 && r.endIndex === rowCount - 1 ? null : { startIndex: r.startIndex, endIndex: r.endIndex },
        )
      }
    />
  );
}

function PlannedYAxis({ plan, formatter = formatTick }: { plan: YAxisPlan; formatter?: (v: number) => string }) {
  const width = tickLabelWidth(plan.ticks.map(formatter));
  return (
    <YAxis
      key={`${plan.scale}:${plan.domain.join(':')}:${plan.ticks.length}`}
      scale={plan.scale}
      type="number"
      domain={plan.domain}
      ticks={plan.ticks}
      interval={0}
      allowDataOverflow
      {...axisProps}
      tick={PLAIN_TICK}
      width={width}
      tickFormatter={(v: number) => formatter(v)}
    />
  );
}

/** Baseline label above its line, at the right end, kept inside the plot: it never reaches the x-axis ticks below. */
function BaselineLabel({ text, viewBox }: { text: string; viewBox?: { x?: number; y?: number; width?: number } }) {
  const x = (viewBox?.x ?? 0) + (viewBox?.width ?? 0) - 4;
  const y = Math.max(CHART_MARGIN.top + 11, (viewBox?.y ?? 0) - 5);
  return (
    <text
      x={x}
      y={y}
      textAnchor="end"
      fill={CHART_COLORS.danger}
      fontSize={11}
      className="chart-baseline-label"
      data-testid="chart-baseline-label"
    >
      {text}
    </text>
  );
}

interface ChartToolsProps {
  testId: string;
  view: ReturnType<typeof useChartView>;
  zoomed: boolean;
  plan: YAxisPlan;
  fileBase: string;
  csv: () => string;
}

function ChartTools({ testId, view, zoomed, plan, fileBase, csv }: ChartToolsProps) {
  const clipped = plan.clippedAbove + plan.clippedBelow;
  const box = (el: HTMLElement) =>
    el.closest('.chart-card')?.querySelector<HTMLElement>(`[data-testid="${testId}"]`) ?? null;
  return (
    <div className="chart-tools">
      {clipped > 0 ? (
        <span
          className="chart-clipped"
          data-testid={`${testId}-clipped`}
          data-clipped={clipped}
          title="The linear axis is fitted to the bulk of the points (robust quantiles), so one spike does not flatten the rest. Switch to log to see every point."
        >
          {plan.clippedAbove > 0 ? `▲ ${plan.clippedAbove} above` : ''}
          {plan.clippedAbove > 0 && plan.clippedBelow > 0 ? ' · ' : ''}
          {plan.clippedBelow > 0 ? `▼ ${plan.clippedBelow} below` : ''}
        </span>
      ) : null}
      {plan.hidden > 0 ? (
        <span
          className="chart-clipped"
          data-testid={`${testId}-hidden`}
          title="A log axis cannot show zero or negative values."
        >
          {plan.hidden} ≤ 0 not shown
        </span>
      ) : null}
      <span className="chart-scale" role="group" aria-label="y-axis scale">
        {(['linear', 'log'] as const).map((s) => (
          <button
            key={s}
            type="button"
            className={plan.scale === s ? 'active' : ''}
            aria-pressed={plan.scale === s}
            data-testid={`${testId}-scale-${s}`}
            title={
              s === 'log'
                ? `Logarithmic y axis${view.suggestedLog ? ' (suggested: the values span more than 3 decades)' : ''}`
                : 'Linear y axis, fitted to the bulk of the points'
            }
            onClick={() => view.setScale(s)}
          >
            {s === 'linear' ? 'lin' : 'log'}
            {s === 'log' && view.suggestedLog ? '*' : ''}
          </button>
        ))}
      </span>
      <button
        type="button"
        className="chart-tool"
        data-testid={`${testId}-zoom-reset`}
        disabled={!zoomed}
        onClick={view.resetZoom}
        title="Show all epochs (drag the handles under the chart to zoom)"
      >
        ⤢
      </button>
      <button
        type="button"
        className="chart-tool"
        data-testid={`${testId}-export-png`}
        title="Download this chart as PNG"
        onClick={(e) => {
          const b = box(e.currentTarget);
          if (b) void exportChartPng(b, `${fileBase}.png`);
        }}
      >
        PNG
      </button>
      <button
        type="button"
        className="chart-tool"
        data-testid={`${testId}-export-csv`}
        title="Download the data of this chart as CSV"
        onClick={() => download(`data:text/csv;charset=utf-8,${encodeURIComponent(csv())}`, `${fileBase}.csv`)}
      >
        CSV
      </button>
    </div>
  );
}

/** Downloads through an <a download> link: allowed under the CSP (navigation, not a fetch or an img). */
function download(href: string, filename: string) {
  const a = document.createElement('a');
  a.href = href;
  a.download = filename.replace(/[^\w.-]+/g, '_');
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
}

/**
 * The chart's SVG (legend included, drawn as text) on the dark background, at twice the size, as a PNG. The SVG is
 * loaded from a data: URL, which the CSP's img-src allows, and does not taint the canvas.
 */
async function exportChartPng(box: HTMLElement, filename: string) {
  const svg = box.querySelector<SVGSVGElement>('.recharts-wrapper > svg');
  if (!svg) return;
  const { width, height } = svg.getBoundingClientRect();
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  clone.setAttribute('font-family', getComputedStyle(box).fontFamily || 'sans-serif');
  const legend = [...box.querySelectorAll<HTMLElement>('.chart-legend-item')]
    .map((li) => li.textContent ?? '')
    .filter(Boolean)
    .join('   ');
  const legendHeight = legend ? 18 : 0;
  const image = new Image();
  const loaded = new Promise<void>((resolve, reject) => {
    image.onload = () => resolve();
    image.onerror = () => reject(new Error('the chart could not be drawn'));
  });
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(clone))}`;
  await loaded;
  const scale = 2;
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(width * scale);
  canvas.height = Math.ceil((height + legendHeight) * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.scale(scale, scale);
  ctx.fillStyle = CHART_COLORS.background;
  ctx.fillRect(0, 0, width, height + legendHeight);
  ctx.drawImage(image, 0, 0, width, height);
  if (legend) {
    ctx.fillStyle = CHART_COLORS.text;
    ctx.font = '11px sans-serif';
    ctx.fillText(legend, 8, height + 12, width - 16);
  }
  download(canvas.toDataURL('image/png'), filename);
}

const GRAD_SCALE_DEFAULT: YScale = 'log';

interface GradNormChartProps {
  run: RunLive;
  clipnorm: number | null;
  testId: string;
}

const GradNormChart = memo(function GradNormChart(props: GradNormChartProps) {
  const shown = useStaggeredValue(props.run);
  return <GradNormChartView {...props} run={shown.value} mounted={shown.ready} />;
});

const GradNormChartView = memo(function GradNormChartView({
  run,
  clipnorm,
  testId,
  mounted,
}: GradNormChartProps & { mounted: boolean }) {
  const maxX = maxXOf(run);
  const data = useMemo(() => gradNormChartData(run), [run]);
  const allValues = useMemo(() => seriesValues(data.rows, data.layers), [data]);
  const view = useChartView(run.runId, allValues, GRAD_SCALE_DEFAULT);
  const zoomed = view.zoom && view.zoom.endIndex < data.rows.length ? view.zoom : null;
  const plan = useMemo(() => {
    const shown = zoomed ? data.rows.slice(zoomed.startIndex, zoomed.endIndex + 1) : data.rows;
    return yAxisPlan(view.scale, seriesValues(shown, data.layers), clipnorm ? [clipnorm] : []);
  }, [data, zoomed, view.scale, clipnorm]);
  return (
    <section className="chart-card">
      <div className="chart-head">
        <h4>Gradient norm per layer</h4>
        <span className="muted small">L2 norm before clipping, per batch</span>
        {data.points > 0 ? (
          <ChartTools
            testId={testId}
            view={view}
            zoomed={zoomed !== null}
            plan={plan}
            fileBase={`${run.runId}-gradnorms`}
            csv={() => gradNormCsv(data)}
          />
        ) : null}
      </div>
      <div
        className="chart-box zoomable"
        data-testid={testId}
        data-points={data.points}
        data-lines={data.layers.length}
        data-scale={plan.scale}
        data-y-domain={plan.domain.join(',')}
        data-csv-header={['epoch', ...data.layers].join(',')}
        data-csv-rows={data.rows.length}
      >
        {data.points === 0 ? (
          <div className="chart-empty">Gradient norms appear with the first batches.</div>
        ) : !mounted ? null : (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={data.rows} margin={CHART_MARGIN_WITH_LEGEND}>
              <CartesianGrid {...gridProps} {...GRID_AT_TICKS} />
              <XAxis {...EPOCH_X_AXIS} domain={zoomed ? ['dataMin', 'dataMax'] : [0, maxX ?? 'dataMax']} />
              <PlannedYAxis plan={plan} />
              <Tooltip
                {...tooltipProps}
                formatter={(v) => formatMetric(Number(v))}
                labelFormatter={(l) => `epoch ${Number(l).toFixed(2)}`}
              />
              {data.layers.map((name, i) => (
                <Line
                  key={name}
                  dataKey={name}
                  name={name}
                  stroke={SERIES_PALETTE[i % SERIES_PALETTE.length]}
                  dot={false}
                  strokeWidth={1.2}
                  isAnimationActive={false}
                  connectNulls
                />
              ))}
              {clipnorm ? (
                <ReferenceLine
                  y={clipnorm}
                  stroke={CHART_COLORS.danger}
                  strokeDasharray="4 3"
                  label={<BaselineLabel text={`clipnorm ${clipnorm} (per tensor)`} />}
                />
              ) : null}
              {epochBrush(view, data.rows.length)}
            </LineChart>
          </ResponsiveContainer>
        )}
        {data.points > 0 && mounted ? (
          <ChartLegend
            items={data.layers.map((name, i) => ({ name, color: SERIES_PALETTE[i % SERIES_PALETTE.length]! }))}
          />
        ) : null}
      </div>
    </section>
  );
});

const EpochTable = memo(function EpochTable({
  epochs,
  metricKey,
  testId,
}: {
  epochs: RunLive['epochs'];
  metricKey: string | null;
  testId: string;
}) {
  const best = epochs[epochs.length - 1]?.bestEpoch ?? null;
  const keys = ['loss', 'val_loss', ...(metricKey ? [metricKey, `val_${metricKey}`] : [])];
  // Without early stopping there is no "best epoch" from the worker; mark the best val_loss instead.
  const bestByLoss = useMemo(() => bestOf(epochs, 'val_loss')?.epoch ?? null, [epochs]);
  const marked = best ?? bestByLoss;
  return (
    <section className="chart-card">
      <div className="chart-head">
        <h4>Epochs</h4>
        <span className="muted small">★ best {best !== null ? '(early stopping monitor)' : 'val_loss'}</span>
      </div>
      <div className="table-scroll chart-box" data-testid={testId} data-rows={epochs.length}>
        <table className="data-table compact">
          <thead>
            <tr>
              <th>#</th>
              {keys.map((k) => (
                <th key={k} className="num">
                  {k}
                </th>
              ))}
              <th className="num">s</th>
            </tr>
          </thead>
          <tbody>
            {epochs.map((e) => (
              <tr key={e.epoch} className={e.epoch === marked ? 'best' : ''}>
                <td>
                  {e.epoch + 1}
                  {e.epoch === marked ? ' ★' : ''}
                </td>
                {keys.map((k) => (
                  <td key={k} className="num">
                    {formatMetric(e.logs[k])}
                  </td>
                ))}
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
