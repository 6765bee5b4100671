import { useMemo } from 'react';
import { describeDuration } from '../../shared/timestamps.js';
import { dateAtRow } from '../lib/dates.js';
import {
  Area,
  AreaChart,
  CartesianGrid,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { TextDataPreview, TimeSeriesDataPreview } from '../../shared/api.js';
import { formatCount, formatPercent } from '../lib/format.js';
import { GRID_AT_TICKS, PLAIN_TICK } from '../lib/plain-tick.js';
import { decimateMinMax } from '../lib/decimate.js';
import { useProject } from '../state/project-context.js';
import { CHART_COLORS, axisProps, gridProps, tooltipProps } from '../components/chart-style.js';
import { truncatedShare } from './data-edits.js';
import type { PreviewState } from './use-preview.js';

export function DataPreviewView({ state }: { state: PreviewState }) {
  if (state.status === 'none') {
    return (
      <div className="empty-state" data-testid="data-preview" data-status="none">
        Choose a bundled sample or import a CSV or a folder to see the data here.
      </div>
    );
  }
  if (state.status === 'error') {
    return (
      <div data-testid="data-preview" data-status="error">
        <div className="error-box" role="alert" data-testid="data-error">
          <strong>The data could not be read.</strong> {state.message}
        </div>
      </div>
    );
  }
  const preview = state.status === 'ready' ? state.preview : state.previous;
  return (
    <div data-testid="data-preview" data-status={state.status} className={state.status === 'loading' ? 'stale' : ''}>
      {state.status === 'loading' ? <div className="loading-line">Reading the data…</div> : null}
      {preview?.kind === 'text' ? <TextPreview preview={preview} /> : null}
      {preview?.kind === 'timeseries' ? <SeriesPreview preview={preview} /> : null}
    </div>
  );
}

function TextPreview({ preview }: { preview: TextDataPreview }) {
  const { spec } = useProject();
  const length = spec.input.kind === 'tokens' && typeof spec.input.length === 'number' ? spec.input.length : null;
  const share = length !== null ? truncatedShare(preview.lengthHistogram, length) : 0;
  // A step area on a numeric axis: the cut-off sits exactly at `length`, even beyond the longest document.
  const hist = preview.lengthHistogram;
  const lastTo = hist[hist.length - 1]?.to ?? 1;
  const steps = [
    ...hist.map((b) => ({ x: b.from, count: b.count })),
    { x: lastTo, count: hist[hist.length - 1]?.count ?? 0 },
  ];
  const maxX = Math.max(lastTo, (length ?? 0) + 1);
  const truncating = spec.data?.kind === 'text' ? (spec.data.truncating ?? 'pre') : 'pre';
  return (
    <div className="preview">
      <dl className="stats">
        <div>
          <dt>Documents</dt>
          <dd data-testid="preview-documents">{formatCount(preview.documents)}</dd>
        </div>
        <div>
          <dt>Classes</dt>
          <dd>{preview.classNames.map((c, i) => `${c} (${formatCount(preview.classCounts[i] ?? 0)})`).join(', ')}</dd>
        </div>
        <div>
          <dt>Layout</dt>
          <dd>
            {preview.format}, {preview.encoding}
          </dd>
        </div>
        {preview.skipped.length > 0 ? (
          <div>
            <dt>Skipped</dt>
            <dd title={preview.skipped.map((s) => `${s.file}: ${s.reason}`).join('\n')}>
              {preview.skipped.length} left out
            </dd>
          </div>
        ) : null}
      </dl>
      <section className="chart-card">
        <div className="chart-head">
          <h4>Tokens per document</h4>
          {length !== null ? (
            <span
              className={share > 0.2 ? 'warn' : 'muted'}
              data-testid="truncated-share"
              data-share={share.toFixed(4)}
            >
              ≈ {formatPercent(share)} of documents are longer than {length} tokens and get cut (
              {truncating === 'pre' ? 'beginning' : 'end'} dropped)
            </span>
          ) : null}
        </div>
        <div className="chart-box" data-testid="length-histogram" data-cutoff={length ?? ''}>
          <ResponsiveContainer width="100%" height="100%">
            <AreaChart data={steps} margin={{ top: 18, right: 16, bottom: 4, left: 0 }}>
              <CartesianGrid {...gridProps} {...GRID_AT_TICKS} />
              <XAxis
                dataKey="x"
                type="number"
                domain={[0, maxX]}
                allowDecimals={false}
                {...axisProps}
                label={{
                  value: 'tokens',
                  position: 'insideBottomRight',
                  offset: -2,
                  fill: CHART_COLORS.text,
                  fontSize: 11,
                }}
              />
              <YAxis {...axisProps} width={48} />
              <Tooltip
                {...tooltipProps}
                formatter={(v) => [formatCount(Number(v)), 'documents']}
                labelFormatter={(l) => `from ${String(l)} tokens`}
              />
              {length !== null && length < maxX ? (
                <ReferenceArea x1={length} x2={maxX} fill={CHART_COLORS.danger} fillOpacity={0.08} />
              ) : null}
              <Area
                type="stepAfter"
                dataKey="count"
                stroke={CHART_COLORS.primary}
                fill={CHART_COLORS.primary}
                fillOpacity={0.35}
                isAnimationActive={false}
              />
              {length !== null ? (
                <ReferenceLine
                  x={length}
                  stroke={CHART_COLORS.danger}
                  strokeDasharray="4 3"
                  ifOverflow="extendDomain"
                  label={{ value: `length = ${length}`, position: 'top', fill: CHART_COLORS.danger, fontSize: 11 }}
                />
              ) : null}
            </AreaChart>
          </ResponsiveContainer>
        </div>
      </section>
      <section>
        <h4>Examples</h4>
        <table className="data-table examples" data-testid="preview-examples">
          <thead>
            <tr>
              <th>Label</th>
              <th>Text</th>
            </tr>
          </thead>
          <tbody>
            {preview.examples.map((e, i) => (
              <tr key={i}>
                <td>
                  <span className="label-chip">{e.label}</span>
                </td>
                <td>{e.text}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

const SERIES_BUCKETS = 240;

function SeriesPreview({ preview }: { preview: TimeSeriesDataPreview }) {
  const { train, val, test } = preview.rowRanges;
  const dated = preview.series[0]?.time !== undefined;
  const tick = (row: number) => (dated ? dateAtRow(preview.series, row)!.slice(0, 10) : formatCount(row));
  // At most ~2 points per pixel column of the plot (min and max of each bucket: spikes stay), not the 1,000 sent.
  const drawn = useMemo(() => decimateMinMax(preview.series, SERIES_BUCKETS, (p) => p.value), [preview.series]);
  return (
    <div className="preview">
      <dl className="stats">
        <div>
          <dt>Rows</dt>
          <dd data-testid="preview-rows">{formatCount(preview.rows)}</dd>
        </div>
        <div>
          <dt>Features</dt>
          <dd>{preview.featureNames.join(', ')}</dd>
        </div>
        <div>
          <dt>Target</dt>
          <dd>{preview.target}</dd>
        </div>
        <div>
          <dt>Split (rows)</dt>
          <dd>
            train {formatCount(train[1] - train[0])} · val {formatCount(val[1] - val[0])} · test{' '}
            {formatCount(test[1] - test[0])}
          </dd>
        </div>
        {preview.samplingSeconds !== null ? (
          <div>
            <dt>Sampled every</dt>
            <dd data-testid="preview-sampling" data-seconds={preview.samplingSeconds}>
              {describeDuration(preview.samplingSeconds)}
            </dd>
          </div>
        ) : null}
      </dl>
      <section className="chart-card">
        <div className="chart-head">
          <h4>{preview.target} over time</h4>
          <span className="legend-inline">
            <span className="swatch" style={{ background: CHART_COLORS.trainArea }} /> train
            <span className="swatch" style={{ background: CHART_COLORS.valArea }} /> validation
            <span className="swatch" style={{ background: CHART_COLORS.testArea }} /> test
          </span>
        </div>
        <div className="chart-box tall" data-testid="series-chart" data-points={preview.series.length}>
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={drawn} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
              <CartesianGrid {...gridProps} {...GRID_AT_TICKS} />
              {/* Plain ticks at a fixed count: recharts measured every date label in the DOM to thin them (plain-tick.tsx). */}
              <XAxis
                dataKey="row"
                type="number"
                domain={[0, preview.rows]}
                {...axisProps}
                tick={PLAIN_TICK}
                interval={0}
                tickCount={6}
                tickFormatter={tick}
              />
              <YAxis {...axisProps} tick={PLAIN_TICK} interval={0} width={56} domain={['auto', 'auto']} />
              <Tooltip
                {...tooltipProps}
                labelFormatter={(l) =>
                  dated ? `${dateAtRow(preview.series, Number(l))} · row ${String(l)}` : `row ${String(l)}`
                }
              />
              <ReferenceArea
                x1={train[0]}
                x2={train[1]}
                fill={CHART_COLORS.trainArea}
                fillOpacity={1}
                ifOverflow="extendDomain"
                label={{ value: 'train', position: 'insideTop', fill: CHART_COLORS.text, fontSize: 11 }}
              />
              <ReferenceArea
                x1={val[0]}
                x2={val[1]}
                fill={CHART_COLORS.valArea}
                fillOpacity={1}
                label={{ value: 'val', position: 'insideTop', fill: CHART_COLORS.text, fontSize: 11 }}
              />
              {test[1] > test[0] ? (
                <ReferenceArea
                  x1={test[0]}
                  x2={test[1]}
                  fill={CHART_COLORS.testArea}
                  fillOpacity={1}
                  label={{ value: 'test', position: 'insideTop', fill: CHART_COLORS.text, fontSize: 11 }}
                />
              ) : null}
              <Line
                dataKey="value"
                name={preview.target}
                stroke={CHART_COLORS.primary}
                dot={false}
                strokeWidth={1.2}
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        </div>
      </section>
      <section>
        <h4>First rows</h4>
        <div className="table-scroll">
          <table className="data-table" data-testid="preview-head">
            <thead>
              <tr>
                {preview.columns.map((c) => (
                  <th key={c}>{c}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {preview.head.slice(0, 12).map((row, i) => (
                <tr key={i}>
                  {row.map((cell, j) => (
                    <td key={j}>{cell}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
