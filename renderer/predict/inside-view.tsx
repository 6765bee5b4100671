/**
 * "Look inside" (issue #15, LSTMVis-style): for the text just predicted (or the last validation window of a
 * forecaster), each recurrent layer's hidden state, gates and cell state per timestep as heatmaps (units × timesteps,
 * the tokens along the axis), and the tokens coloured by their occlusion contribution to the prediction.
 */
import { useCallback, useMemo, useState } from 'react';
import type { InsideLayer, InsideResult, InsideSeries } from '../../shared/api.js';
import { useApi } from '../api/studio-client.js';
import { useApiCall } from '../api/use-api-call.js';
import { formatMetric } from '../lib/format.js';

const TOP_K = [8, 16, 32, 0] as const;
/** Gates live in (0, 1): a one-sided scale; states and candidates are signed. */
const GATE_KEYS = new Set(['i', 'f', 'o', 'z', 'r']);

export function InsideView({ runId, text }: { runId: string; text?: string }) {
  const api = useApi();
  const {
    result,
    error,
    busy,
    run: look,
  } = useApiCall<InsideResult>(
    useCallback(() => api.insideRun(text !== undefined ? { runId, text } : { runId }), [api, runId, text]),
  );
  return (
    <section className="inside-view" data-testid="inside-view" style={{ marginTop: 12 }}>
      <div className="run-toolbar">
        <button
          type="button"
          data-testid="inside-open"
          disabled={busy || text?.trim() === ''}
          onClick={() => void look()}
        >
          {busy ? 'Looking inside…' : result ? 'Look inside again' : 'Look inside'}
        </button>
        <span className="muted small">
          {text !== undefined
            ? "states, gates and each token's contribution for this text"
            : "states, gates and each step's contribution on the last validation window"}
        </span>
      </div>
      {error ? (
        <div className="error-box" role="alert" data-testid="inside-error">
          {error}
        </div>
      ) : null}
      {result ? <InsideResultView result={result} /> : null}
    </section>
  );
}

function InsideResultView({ result }: { result: InsideResult }) {
  const [layerIndex, setLayerIndex] = useState(0);
  const [topK, setTopK] = useState<number>(16);
  const [unitText, setUnitText] = useState('');
  const [showPadding, setShowPadding] = useState(false);
  const layer = result.layers[Math.min(layerIndex, result.layers.length - 1)] ?? null;
  // The timesteps shown: all, or those that are not padding (pre-padding can fill most of a short text's steps).
  const steps = useMemo(
    () => result.steps.map((_, t) => t).filter((t) => showPadding || !result.padding[t]),
    [result, showPadding],
  );
  const units = useMemo(() => (layer ? chooseUnits(layer, steps, topK, unitText) : []), [layer, steps, topK, unitText]);
  const paddingCount = result.padding.filter(Boolean).length;
  return (
    <div data-testid="inside-result" data-layers={result.layers.length} data-steps={result.steps.length}>
      <Contributions result={result} steps={steps} />
      {result.layers.length === 0 ? (
        <div className="empty-state">This model has no recurrent layer to look inside.</div>
      ) : null}
      {layer ? (
        <>
          <div className="run-toolbar" style={{ flexWrap: 'wrap', gap: 8, marginTop: 8 }}>
            <label className="small">
              Layer{' '}
              <select
                data-testid="inside-layer-select"
                value={layerIndex}
                onChange={(e) => setLayerIndex(Number(e.target.value))}
              >
                {result.layers.map((l, i) => (
                  <option key={l.name} value={i}>
                    {l.name} · {l.cell}({l.units})
                  </option>
                ))}
              </select>
            </label>
            <label className="small">
              Units{' '}
              <select
                data-testid="inside-topk"
                value={topK}
                onChange={(e) => setTopK(Number(e.target.value))}
                disabled={unitText.trim() !== ''}
              >
                {TOP_K.map((k) => (
                  <option key={k} value={k}>
                    {k === 0 ? `all ${layer.units}` : `top ${k} most active`}
                  </option>
                ))}
              </select>
            </label>
            <label className="small">
              or units{' '}
              <input
                data-testid="inside-units"
                style={{ width: 110 }}
                placeholder="e.g. 0, 5, 12"
                value={unitText}
                onChange={(e) => setUnitText(e.target.value)}
              />
            </label>
            {paddingCount > 0 ? (
              <label className="small">
                <input
                  type="checkbox"
                  data-testid="inside-show-padding"
                  checked={showPadding}
                  onChange={(e) => setShowPadding(e.target.checked)}
                />{' '}
                show the {paddingCount} padding steps
              </label>
            ) : null}
          </div>
          <div
            data-testid="inside-heatmaps"
            style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(440px, 1fr))', gap: 8 }}
          >
            {layer.series.map((s) => (
              <Heatmap key={`${layer.name}-${s.key}`} series={s} steps={steps} labels={result.steps} units={units} />
            ))}
          </div>
          <p className="muted small">
            Stepped from the layer&apos;s own weights with Keras&apos;s formulas
            {layer.cell === 'LSTM'
              ? ' (gates i, f, o and candidate c̃; c_t = f⊙c₋₁ + i⊙c̃, h_t = o⊙tanh(c_t))'
              : layer.cell === 'GRU'
                ? ' (update z, reset r, candidate h̃; h_t = z⊙h₋₁ + (1−z)⊙h̃)'
                : ''}
            . Units ranked by mean |h_t| over the steps shown. States and candidates: blue positive, orange negative;
            gates: green, from the lowest to the highest value shown.
          </p>
        </>
      ) : null}
    </div>
  );
}

/** The units to draw: the ones typed (valid indices), else the top-k by mean |h_t| over the shown steps (0: all). */
function chooseUnits(layer: InsideLayer, steps: number[], topK: number, typed: string): number[] {
  const picked = typed
    .split(/[\s,;]+/)
    .filter((s) => s !== '')
    .map(Number)
    .filter((u) => Number.isInteger(u) && u >= 0 && u < layer.units);
  if (picked.length > 0) return [...new Set(picked)];
  const h = layer.series.find((s) => s.key === 'h')!.values;
  const score = Array.from({ length: layer.units }, (_, u) => steps.reduce((a, t) => a + Math.abs(h[t]![u]!), 0));
  const order = score.map((_, u) => u).sort((a, b) => score[b]! - score[a]!);
  return topK === 0 ? order.sort((a, b) => a - b) : order.slice(0, topK);
}

/** Gates: green, stretched over the range shown (lo … hi) so small differences show; signed values: blue/orange. */
function cellColor(v: number, gate: boolean, scale: number, lo: number, hi: number): string {
  if (gate) return `rgba(94, 197, 138, ${(0.08 + 0.92 * (hi > lo ? (v - lo) / (hi - lo) : 0.5)).toFixed(3)})`;
  const a = Math.min(1, Math.abs(v) / (scale || 1));
  return v >= 0 ? `rgba(79, 163, 247, ${a.toFixed(3)})` : `rgba(240, 163, 94, ${a.toFixed(3)})`;
}

function Heatmap({
  series,
  steps,
  labels,
  units,
}: {
  series: InsideSeries;
  steps: number[];
  labels: string[];
  units: number[];
}) {
  const gate = GATE_KEYS.has(series.key);
  const cols = steps.length;
  const cw = cols <= 24 ? 22 : cols <= 60 ? 12 : cols <= 160 ? 6 : 3;
  const ch = units.length <= 16 ? 12 : units.length <= 64 ? 7 : 4;
  const left = 34;
  const top = cw >= 12 ? 64 : 8;
  let scale = 0,
    lo = Infinity,
    hi = -Infinity;
  for (const t of steps) {
    for (const u of units) {
      const v = series.values[t]![u]!;
      scale = Math.max(scale, Math.abs(v));
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const width = left + cols * cw + 4;
  const height = top + units.length * ch + 4;
  return (
    <div
      className="chart-card"
      data-testid={`inside-heatmap-${series.key}`}
      data-units={units.length}
      data-steps={cols}
    >
      <div className="chart-head">
        <h4>{series.label}</h4>
        <span className="muted small">
          {gate ? `${formatMetric(lo)} … ${formatMetric(hi)} (of 0 … 1)` : `±${formatMetric(scale)}`}
        </span>
      </div>
      <div style={{ overflowX: 'auto' }}>
        <svg
          width={width}
          height={height}
          role="img"
          aria-label={`${series.label}: ${units.length} units × ${cols} timesteps`}
        >
          {cw >= 12
            ? steps.map((t, j) => (
                <text
                  key={t}
                  x={left + j * cw + cw / 2}
                  y={top - 4}
                  fontSize={10}
                  fill="#a9b1bd"
                  transform={`rotate(-55 ${left + j * cw + cw / 2} ${top - 4})`}
                >
                  {clip(labels[t] || '·', 10)}
                </text>
              ))
            : null}
          {units.map((u, i) => (
            <g key={u}>
              {ch >= 7 ? (
                <text
                  x={left - 4}
                  y={top + i * ch + ch - 2}
                  fontSize={Math.min(10, ch)}
                  fill="#a9b1bd"
                  textAnchor="end"
                >
                  {u}
                </text>
              ) : null}
              {steps.map((t, j) => {
                const v = series.values[t]![u]!;
                return (
                  <rect
                    key={t}
                    x={left + j * cw}
                    y={top + i * ch}
                    width={cw - (cw > 4 ? 1 : 0)}
                    height={ch - (ch > 4 ? 1 : 0)}
                    fill={cellColor(v, gate, scale, lo, hi)}
                  >
                    <title>{`${labels[t] || '(padding)'} · unit ${u}: ${v.toFixed(4)}`}</title>
                  </rect>
                );
              })}
            </g>
          ))}
        </svg>
      </div>
    </div>
  );
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The input along time, each step coloured by how much the output drops when it is occluded. */
function Contributions({ result, steps }: { result: InsideResult; steps: number[] }) {
  const scale = Math.max(1e-12, ...steps.map((t) => Math.abs(result.contributions[t]!)));
  const text = result.kind === 'text';
  return (
    <div className="tokens" data-testid="inside-tokens" style={{ marginTop: 8 }}>
      <span className="muted small">
        {result.output.label} ={' '}
        <strong data-testid="inside-output">
          {text ? `${(result.output.value * 100).toFixed(1)}%` : formatMetric(result.output.value)}
        </strong>
        . Each {text ? 'token' : 'timestep'}: how much that drops when it is{' '}
        {text ? 'replaced by padding' : 'set to the training mean'} (occlusion) —{' '}
        <span style={{ color: '#5ec58a' }}>green supports</span>, <span style={{ color: '#f27474' }}>red opposes</span>{' '}
        the prediction.
      </span>
      <div className="token-list">
        {steps.map((t) => {
          const c = result.contributions[t]!;
          const a = Math.min(1, Math.abs(c) / scale) * 0.85;
          return (
            <span
              key={t}
              className="token"
              data-testid={`inside-token-${t}`}
              data-contribution={c}
              title={`${result.steps[t] || '(padding)'}: ${c >= 0 ? '+' : ''}${text ? `${(c * 100).toFixed(2)} points` : formatMetric(c)}`}
              style={{
                background: c >= 0 ? `rgba(94, 197, 138, ${a.toFixed(3)})` : `rgba(242, 116, 116, ${a.toFixed(3)})`,
              }}
            >
              {result.steps[t] || '·'}
            </span>
          );
        })}
      </div>
    </div>
  );
}
