/**
 * Gradient flow through time: one heatmap per fused recurrent layer (rows: input timesteps, columns: sampled
 * batches, colour: log10 ‖∂L/∂h_t‖), the verdict per layer in words with its numbers, and one-click remedies that
 * edit the project's spec. Layers on TF.js's op-by-op path report nothing; the view says which and why.
 */
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { resolveTraining } from '../../shared/model-spec.js';
import { DEFAULT_GRADIENT_FLOW_EVERY, applyFlowRemedy, diagnoseGradientFlow, fmt } from '../../shared/gradient-flow.js';
import type { FlowRemedy, HiddenGradientSample, LayerFlowDiagnosis } from '../../shared/gradient-flow.js';
import { useApi } from '../api/studio-client.js';
import { useToasts } from '../components/toasts.js';
import { useProject } from '../state/project-context.js';
import { isFinished } from '../api/run-state.js';
import type { RunLive } from '../api/run-state.js';
import { useThrottledValue } from '../lib/use-throttled.js';

const FLOW_REFRESH_MS = 1000;
const EVERY_KEY = 'rnn-studio.gradientFlowEvery';

/** How often the next run samples the gradient flow (batches; 0: only on Sample now), remembered in this browser. */
export function gradientFlowEvery(): number {
  try {
    const raw = localStorage.getItem(EVERY_KEY);
    const v = Number(raw);
    return raw !== null && Number.isInteger(v) && v >= 0 && v <= 100_000 ? v : DEFAULT_GRADIENT_FLOW_EVERY;
  } catch {
    return DEFAULT_GRADIENT_FLOW_EVERY;
  }
}

/** The sampling interval for the next run. */
export function GradientFlowEverySetting() {
  const [value, setValue] = useState(gradientFlowEvery);
  return (
    <label
      className="small muted"
      title="The fused kernels report ‖∂L/∂hₜ‖ while they backpropagate anyway: sampling costs next to nothing. 0: only when you press Sample now."
    >
      sample every{' '}
      <input
        type="number"
        min={0}
        step={1}
        style={{ width: 56 }}
        data-testid="gradient-flow-every"
        value={value}
        onChange={(e) => {
          const v = Math.max(0, Math.trunc(Number(e.target.value) || 0));
          setValue(v);
          try {
            localStorage.setItem(EVERY_KEY, String(v));
          } catch {
            // Private windows may refuse storage; the value holds for this page.
          }
        }}
      />{' '}
      batches (next run)
    </label>
  );
}

/** Dark blue (little gradient) → teal → yellow (much): a viridis-like ramp. */
const RAMP: [number, number, number][] = [
  [30, 20, 70],
  [45, 90, 140],
  [35, 150, 130],
  [120, 200, 80],
  [250, 230, 40],
];

function rampColor(u: number): string {
  const x = Math.min(1, Math.max(0, u)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [RAMP[i]!, RAMP[i + 1]!];
  return `rgb(${a.map((v, k) => Math.round(v + (b[k]! - v) * f)).join(',')})`;
}

/** 64 precomputed shades: a redraw of a few thousand cells builds no strings. */
const SHADES = Array.from({ length: 64 }, (_, i) => rampColor(i / 63));

function color(u: number): string {
  if (!Number.isFinite(u)) return 'rgb(242,116,116)';
  return SHADES[Math.round(Math.min(1, Math.max(0, u)) * 63)]!;
}

/** The log10 range of a layer's norms over the samples (finite, positive values). */
export function logRange(samples: readonly HiddenGradientSample[], layer: string): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of samples) {
    for (const v of s.norms[layer] ?? []) {
      if (!(v > 0) || !Number.isFinite(v)) continue;
      const l = Math.log10(v);
      lo = Math.min(lo, l);
      hi = Math.max(hi, l);
    }
  }
  if (!Number.isFinite(lo)) return [0, 1];
  return hi - lo < 1e-6 ? [lo - 0.5, hi + 0.5] : [lo, hi];
}

const Heatmap = memo(function Heatmap({
  samples,
  layer,
  testId,
}: {
  samples: HiddenGradientSample[];
  layer: string;
  testId: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const rows = useMemo(() => samples.filter((s) => s.norms[layer]), [samples, layer]);
  const steps = rows[0]?.norms[layer]?.length ?? 0;
  const [lo, hi] = useMemo(() => logRange(rows, layer), [rows, layer]);
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx || rows.length === 0 || steps === 0) return;
    const w = c.width / rows.length;
    const h = c.height / steps;
    ctx.clearRect(0, 0, c.width, c.height);
    rows.forEach((s, col) => {
      s.norms[layer]!.forEach((v, t) => {
        ctx.fillStyle = color(v > 0 ? (Math.log10(v) - lo) / (hi - lo) : 0);
        ctx.fillRect(col * w, t * h, Math.ceil(w), Math.ceil(h));
      });
    });
  }, [rows, layer, steps, lo, hi]);
  return (
    <div className="flow-heatmap">
      <div className="flow-axis muted small">t = 0 (first input) ↓ · batches →</div>
      <canvas
        ref={ref}
        width={480}
        height={Math.max(60, Math.min(240, steps * 4))}
        data-testid={testId}
        data-columns={rows.length}
        data-timesteps={steps}
        aria-label={`‖∂L/∂h_t‖ of ${layer}: ${steps} timesteps × ${rows.length} sampled batches`}
      />
      <div className="flow-legend small">
        <span>{fmt(10 ** lo)}</span>
        <span
          className="flow-ramp"
          style={{ background: `linear-gradient(90deg, ${[0, 0.25, 0.5, 0.75, 1].map(color).join(',')})` }}
        />
        <span>{fmt(10 ** hi)}</span>
      </div>
    </div>
  );
});

function Verdict({
  d,
  onRemedy,
  testId,
}: {
  d: LayerFlowDiagnosis;
  onRemedy: (r: FlowRemedy) => void;
  testId: string;
}) {
  return (
    <div
      className={`flow-verdict flow-${d.verdict}`}
      data-testid={testId}
      data-verdict={d.verdict}
      data-ratio={d.ratio}
    >
      <strong>{d.verdict === 'vanishing' ? 'Vanishing' : d.verdict === 'exploding' ? 'Exploding' : 'Healthy'}</strong>
      <span className="small"> — {d.message.replace(/^\w+: /, '')}</span>
      {d.remedies.length > 0 ? (
        <div className="flow-remedies">
          {d.remedies.map((r) => (
            <button
              key={r.label}
              type="button"
              className="text-button"
              data-testid={`${testId}-remedy`}
              data-remedy={r.kind}
              onClick={() => onRemedy(r)}
            >
              {r.label}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}

/** The gradient-flow card of one run, live or stored. `testPrefix` keeps the live panel's and a run detail's ids apart. */
export function GradientFlowView({ run: latest, testPrefix = '' }: { run: RunLive; testPrefix?: string }) {
  // Redrawn at most once a second while training (every batch message would re-render it otherwise).
  const run = useThrottledValue(latest, isFinished(latest) ? 0 : FLOW_REFRESH_MS);
  const api = useApi();
  const project = useProject();
  const toasts = useToasts();
  const training = useMemo(() => (run.spec ? resolveTraining(run.spec) : null), [run.spec]);
  const diagnoses = useMemo(
    () =>
      diagnoseGradientFlow(run.gradientFlow, {
        layers: run.layers,
        spec: run.spec,
        epochs: run.epochs,
        ...(training ? { learningRate: training.learningRate, clipnorm: training.clipnorm } : {}),
      }),
    [run.gradientFlow, run.layers, run.spec, run.epochs, training],
  );
  const unmeasured = run.recurrence.filter((p) => !p.fused);
  const active = !isFinished(run) && run.status !== 'starting';
  const apply = (r: FlowRemedy) => {
    project.edit((s) => applyFlowRemedy(s, r));
    toasts.notify('info', `${r.label}: applied to the project's spec; train again to compare.`);
  };
  const sampleNow = () => {
    api
      .controlRun({ runId: run.runId, action: 'sample-gradients' })
      .catch((e: unknown) => toasts.notifyError('Sampling the gradient flow', e));
  };
  return (
    <section
      className="chart-card flow-card"
      data-testid={`${testPrefix}gradient-flow`}
      data-samples={run.gradientFlow.length}
    >
      <div className="chart-head">
        <h4>Gradient flow through time</h4>
        <span className="muted small">‖∂L/∂hₜ‖ per input timestep, sampled batches, log colour scale</span>
        <span className="header-spacer" />
        {testPrefix === '' ? <GradientFlowEverySetting /> : null}
        {active ? (
          <button
            type="button"
            className="text-button"
            data-testid={`${testPrefix}gradient-flow-sample`}
            onClick={sampleNow}
          >
            Sample now
          </button>
        ) : null}
      </div>
      {diagnoses.length === 0 ? (
        <div className="chart-empty">
          {run.recurrence.length > 0 && unmeasured.length === run.recurrence.length
            ? 'No layer of this run reports its gradient flow: they all ran on TF.js’s op-by-op path (see below).'
            : 'The gradient flow through time appears with the first sampled batch (recurrent layers on the fused kernels).'}
        </div>
      ) : (
        diagnoses.map((d, i) => (
          <div
            key={d.layer}
            className="flow-layer"
            data-testid={`${testPrefix}gradient-flow-layer`}
            data-layer={d.layer}
          >
            <div className="flow-layer-name">
              {d.layer}
              {d.cell ? <span className="muted small"> ({d.cell})</span> : null}
            </div>
            <Heatmap samples={run.gradientFlow} layer={d.layer} testId={`${testPrefix}gradient-flow-heatmap-${i}`} />
            <Verdict d={d} onRemedy={apply} testId={`${testPrefix}gradient-flow-verdict-${i}`} />
          </div>
        ))
      )}
      {unmeasured.length > 0 ? (
        <ul className="muted small" data-testid={`${testPrefix}gradient-flow-unmeasured`}>
          {unmeasured.map((p) => (
            <li key={p.layer}>
              {p.layer}: not measured — it runs on TF.js’s op-by-op path{p.reason ? ` (${p.reason})` : ''}, which does
              not report ‖∂L/∂hₜ‖.
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
