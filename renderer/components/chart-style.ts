/** Chart colours and axis styling shared by every chart, tuned for the dark theme in styles.css. */
export const CHART_COLORS = {
  primary: '#4fa3f7',
  secondary: '#f0a35e',
  raw: 'rgba(79, 163, 247, 0.28)',
  rawSecondary: 'rgba(240, 163, 94, 0.3)',
  val: '#f0a35e',
  danger: '#f27474',
  warn: '#d9a23a',
  good: '#5ec58a',
  grid: '#2e3440',
  text: '#a9b1bd',
  trainArea: 'rgba(94, 197, 138, 0.10)',
  valArea: 'rgba(240, 163, 94, 0.12)',
  testArea: 'rgba(180, 140, 250, 0.12)',
  /** The chart card's background (styles.css --bg-pane), painted under exported PNGs. */
  background: '#1c2028',
} as const;

/** One colour per layer line; cycles for deep stacks. */
export const SERIES_PALETTE = [
  '#4fa3f7',
  '#f0a35e',
  '#5ec58a',
  '#e06c9f',
  '#b48cfa',
  '#d9d05a',
  '#56c8c8',
  '#f27474',
  '#9aa5b1',
  '#7fbf3f',
];

export const axisProps = {
  stroke: CHART_COLORS.text,
  tick: { fill: CHART_COLORS.text, fontSize: 11 },
  tickLine: false,
} as const;
export const gridProps = { stroke: CHART_COLORS.grid, strokeDasharray: '2 4' } as const;
export const tooltipProps = {
  contentStyle: { background: '#1b1f27', border: '1px solid #3a4150', fontSize: 12, color: '#d8dee9' },
  labelStyle: { color: '#d8dee9' },
  isAnimationActive: false,
} as const;
export const brushProps = { stroke: '#5b6473', fill: '#161a21' } as const;
