/**
 * "Know before you train" and "Reproducible runs" in the UI: the estimate button and line (with the estimate against
 * the real epochs once a run of that spec has them), the run's provenance, and Replay with its verdict.
 */
import { useState } from 'react';
import type { RunDetail } from '../../shared/api.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { describeEstimate, estimateError, formatSeconds } from '../../shared/estimate.js';
import type { RunEstimate } from '../../shared/estimate.js';
import { useApi, useRunStore } from '../api/studio-client.js';
import { errorMessage } from '../api/errors.js';
import { useToasts } from '../components/toasts.js';
import { useStudio } from '../state/studio-state.js';
import { useProject } from '../state/project-context.js';
import { useConfirmDiscard } from '../state/unsaved-guard.js';
import type { RunLive } from '../api/run-state.js';

/** Estimate vs the run's real epochs, or nothing before the first epoch. */
export function EstimateVsActual({
  estimate,
  epochs,
  testId = 'estimate-vs-actual',
}: {
  estimate: RunEstimate;
  epochs: RunLive['epochs'];
  testId?: string;
}) {
  const err = estimateError(
    estimate,
    epochs.map((e) => e.seconds),
  );
  if (!err) return null;
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)} %`;
  return (
    <div className="muted small" data-testid={testId} data-error={err.error}>
      Estimate vs actual: {formatSeconds(estimate.secondsPerEpoch)} vs {formatSeconds(err.actual)} per epoch
      {epochs.length > 1 ? ' (epochs after the first)' : ' (first epoch, with warm-up)'} — error {pct(err.error)};
      training so far {formatSeconds(err.totalActual)}, estimated {pct(err.totalError)} off.
    </div>
  );
}

/** The Estimate button and its line, for the project's current spec; compares with the followed run when it is that spec. */
export function EstimatePanel({ spec, disabled, run }: { spec: ModelSpec; disabled: boolean; run: RunLive | null }) {
  const api = useApi();
  const [state, setState] = useState<{ spec: string; estimate: RunEstimate } | { error: string } | 'probing' | null>(
    null,
  );
  const specJson = JSON.stringify(spec);
  const probe = async () => {
    setState('probing');
    try {
      setState({ spec: specJson, estimate: await api.estimateRun({ spec }) });
    } catch (e) {
      setState({ error: errorMessage(e) });
    }
  };
  const current = state && typeof state === 'object' && 'estimate' in state ? state : null;
  const runMatches = current && run?.spec && JSON.stringify(run.spec) === current.spec;
  return (
    <div className="estimate-panel">
      <button
        type="button"
        className="text-button"
        data-testid="estimate-button"
        disabled={disabled || state === 'probing'}
        onClick={() => void probe()}
        title="Trains a few batches of this model on this data with the backend the run will use, and times them"
      >
        {state === 'probing' ? 'Probing…' : 'Estimate time'}
      </button>
      {current ? (
        <span className="small" data-testid="estimate-line" data-seconds-per-epoch={current.estimate.secondsPerEpoch}>
          {describeEstimate(current.estimate)}
          {current.spec !== specJson ? ' — for the spec before your last edit' : ''}
        </span>
      ) : null}
      {state && typeof state === 'object' && 'error' in state ? (
        <span className="small error-text" data-testid="estimate-error">
          {state.error}
        </span>
      ) : null}
      {current && runMatches && run ? <EstimateVsActual estimate={current.estimate} epochs={run.epochs} /> : null}
    </div>
  );
}

/** Provenance, Replay and the replay's verdict in a run's details. */
export function ReproducibilityBox({ detail, run }: { detail: RunDetail; run: RunLive }) {
  const api = useApi();
  const runs = useRunStore();
  const toasts = useToasts();
  const { setCurrentRunId, setTab, setStartWeights } = useStudio();
  const project = useProject();
  const confirmDiscard = useConfirmDiscard();
  const p = detail.provenance;
  const finished = run.status !== 'running' && run.status !== 'paused' && run.status !== 'starting';
  const replay = async () => {
    try {
      const { runId } = await api.replayRun({ runId: detail.id });
      runs.ensure(runId, p?.spec ?? detail.spec);
      setCurrentRunId(runId);
      setTab('training');
    } catch (e) {
      toasts.notifyError('Could not replay the run', e);
    }
  };
  // More epochs, or fine-tuning on other data: the run's spec on the canvas, Train starting from its weights.
  const continueTraining = async () => {
    if (!(await confirmDiscard('continue from this run'))) return;
    const forLoad = project.state.loadCount + 1;
    project.load(detail.spec, detail.name, null);
    setStartWeights({ source: { kind: 'run', id: detail.id }, label: `run ${detail.name} (${detail.id})`, forLoad });
    setTab('training');
  };
  return (
    <div className="repro-box small" data-testid="run-provenance">
      <div>
        <strong>Reproducibility</strong>{' '}
        {p ? (
          <span className="muted">
            seed {p.seed} ·{' '}
            {p.dataHash === null ? (
              'data not read'
            ) : (
              <>
                data sha256 <code title={p.dataHash}>{p.dataHash.slice(0, 12)}</code> ({p.dataFiles} file
                {p.dataFiles === 1 ? '' : 's'} read, {p.dataBytes.toLocaleString()} bytes)
              </>
            )}{' '}
            · {p.backend ?? '?'} backend, tfjs {p.tfjsVersion ?? '?'}
            {p.nativeVersion ? `, TensorFlow ${p.nativeVersion}` : ''}
            {p.kernels ? ` · fused kernels: ${p.kernels}` : ''}· app {p.appVersion}, Node {p.nodeVersion}, {p.platform}
          </span>
        ) : (
          <span className="muted">recorded before provenance existed: Replay repeats its spec.</span>
        )}
        {finished ? (
          <button type="button" className="text-button" data-testid="run-replay" onClick={() => void replay()}>
            Replay
          </button>
        ) : null}
        {finished && detail.result ? (
          <button
            type="button"
            className="text-button"
            data-testid="run-continue"
            title="Put this run's spec on the canvas; Train then starts from its trained weights (more epochs, or other data)"
            onClick={() => void continueTraining()}
          >
            Continue training
          </button>
        ) : null}
      </div>
      {detail.replayOf ? (
        <div data-testid="replay-report" data-verdict={detail.replay?.verdict ?? 'pending'}>
          {detail.replay ? detail.replay.message : `Replay of ${detail.replayOf}: the comparison appears when it ends.`}
        </div>
      ) : null}
      {detail.estimate ? (
        <EstimateVsActual estimate={detail.estimate} epochs={detail.epochRecords} testId="detail-estimate-vs-actual" />
      ) : null}
    </div>
  );
}
