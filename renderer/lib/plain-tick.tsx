import type { ComponentProps, ReactElement } from 'react';
import type { CartesianGrid } from 'recharts';

interface TickProps {
  x?: number | string;
  y?: number | string;
  textAnchor?: 'start' | 'middle' | 'end' | 'inherit';
  verticalAnchor?: 'start' | 'middle' | 'end';
  fill?: string;
  className?: string;
  index?: number;
  payload?: { value?: unknown };
  tickFormatter?: (value: unknown, index: number) => string;
}

/** Baseline offsets of recharts' <Text> for one line (cap height 0.71 em). */
const DY = { start: '0.71em', middle: '0.355em', end: '0' } as const;

/**
 * An axis tick label as one plain <text>, drawn where recharts' own <Text> would put a single-line label. Recharts'
 * <Text> measures every label in the DOM to wrap it at the axis width (the axis `width` reaches it as an SVG prop):
 * each new label forced a style and layout pass of the whole page in the middle of the chart's render, the largest
 * cost of mounting a chart while a run trains. Axis labels never wrap here, so nothing needs measuring. Use it as
 * an axis's `tick` together with an explicit `interval` (a number), so the axis does not measure labels either.
 */
export function plainTick(fontSize = 11): (props: TickProps) => ReactElement {
  return function PlainTick({
    x,
    y,
    textAnchor,
    verticalAnchor = 'end',
    fill,
    className,
    index = 0,
    payload,
    tickFormatter,
  }: TickProps) {
    const value = payload?.value;
    const text = tickFormatter ? tickFormatter(value, index) : String(value ?? '');
    return (
      <text
        x={x}
        y={y}
        dy={DY[verticalAnchor]}
        textAnchor={textAnchor}
        fill={fill}
        fontSize={fontSize}
        className={className ?? 'recharts-cartesian-axis-tick-value'}
      >
        {text}
      </text>
    );
  };
}

/** The tick of the app's charts (axisProps' 11 px). */
export const PLAIN_TICK = plainTick(11);

type GridProps = ComponentProps<typeof CartesianGrid>;
interface GridAxis {
  scale?: { map(value: unknown): unknown } | undefined;
  ticks?: readonly unknown[] | undefined;
  niceTicks?: readonly unknown[] | undefined;
}

/** Pixel positions of an axis's ticks inside [from, to] and of both edges; none while the axis is not known yet. */
export function gridLines(axis: GridAxis | undefined, from: number, to: number): number[] {
  const values = axis?.ticks ?? axis?.niceTicks;
  const scale = axis?.scale;
  if (!values || !scale) return [];
  const out: number[] = [];
  for (const v of values) {
    const c = scale.map(v);
    if (typeof c === 'number' && Number.isFinite(c) && c >= from - 0.5 && c <= to + 0.5) out.push(c);
  }
  // The plot's edges, as recharts' own generators add them.
  if (!out.includes(from)) out.push(from);
  if (!out.includes(to)) out.push(to);
  return out;
}

/**
 * Grid lines at the axes' ticks, without recharts' default generators: those thin the ticks by measuring every
 * label in the DOM (the axis's own `interval` is not known to the grid on a chart's first render), forcing layouts in
 * the middle of the render. Spread onto <CartesianGrid>.
 */
export const GRID_AT_TICKS: Pick<GridProps, 'horizontalCoordinatesGenerator' | 'verticalCoordinatesGenerator'> = {
  horizontalCoordinatesGenerator: ({ yAxis, offset }) =>
    gridLines(yAxis as GridAxis | undefined, offset.top, offset.top + offset.height),
  verticalCoordinatesGenerator: ({ xAxis, offset }) =>
    gridLines(xAxis as GridAxis | undefined, offset.left, offset.left + offset.width),
};
