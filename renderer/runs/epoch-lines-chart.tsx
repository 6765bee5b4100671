import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { formatMetric } from '../lib/format.js';
import { CHART_COLORS, axisProps, gridProps, tooltipProps } from '../components/chart-style.js';

export interface EpochLine {
  key: string;
  name: string;
  color: string;
}

/**
 * One metric per epoch for several runs on a shared axis: the A/B comparison and the template-family overlay.
 * `rows` are { x: epoch, [line key]: value or null }; an optional dashed line marks the common-sense baseline.
 */
export function EpochLinesChart({
  title,
  testId,
  rows,
  lines,
  dotRadius,
  baseline = null,
}: {
  title: string;
  testId: string;
  rows: Record<string, number | null>[];
  lines: EpochLine[];
  dotRadius: number;
  baseline?: number | null;
}) {
  return (
    <section className="chart-card">
      <div className="chart-head">
        <h4>{title} per epoch</h4>
      </div>
      <div className="chart-box" data-testid={testId} data-points={rows.length} data-lines={lines.length}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
            <CartesianGrid {...gridProps} />
            <XAxis dataKey="x" type="number" domain={[1, 'dataMax']} allowDecimals={false} {...axisProps} />
            <YAxis {...axisProps} width={52} domain={['auto', 'auto']} tickFormatter={(v: number) => formatMetric(v)} />
            <Tooltip
              {...tooltipProps}
              formatter={(v) => formatMetric(Number(v))}
              labelFormatter={(l) => `epoch ${String(l)}`}
            />
            <Legend wrapperStyle={{ fontSize: 11 }} />
            {lines.map((l) => (
              <Line
                key={l.key}
                dataKey={l.key}
                name={l.name}
                stroke={l.color}
                strokeWidth={1.8}
                dot={{ r: dotRadius }}
                isAnimationActive={false}
                connectNulls
              />
            ))}
            {baseline !== null ? (
              <ReferenceLine
                y={baseline}
                stroke={CHART_COLORS.danger}
                strokeDasharray="6 4"
                ifOverflow="extendDomain"
                label={{
                  value: `common-sense baseline ${formatMetric(baseline)}`,
                  position: 'insideTopRight',
                  fill: CHART_COLORS.danger,
                  fontSize: 11,
                }}
              />
            ) : null}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </section>
  );
}
