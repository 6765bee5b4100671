import { useState } from 'react';
import { useApi, useRun, useRunStore } from '../api/studio-client.js';
import { errorMessage } from '../api/errors.js';
import { useToasts } from '../components/toasts.js';
import { checkDataSettings } from '../data/data-checks.js';
import { formatDuration } from '../lib/format.js';
import { useProject } from '../state/project-context.js';
import { isFinished } from '../state/run-state.js';
import { gradientFlowEvery } from './gradient-flow-view.js';
import { useStudio } from '../state/studio-state.js';

/** Why Train is disabled, in words; empty when the spec can be trained now. */
export function useTrainBlockers(): string[] {
  const { spec, analysis } = useProject();
  const { currentRunId } = useStudio();
  const run = useRun(currentRunId);
  const errors = analysis.issues.filter((i) => i.severity === 'error').length;
  return [
    ...(errors > 0 ? [`Fix the ${errors} problem${errors === 1 ? '' : 's'} in the model first (Model tab).`] : []),
    ...checkDataSettings(spec).map((i) => i.message),
    ...(run !== null && !isFinished(run) ? ['A run is in progress: stop it before starting another.'] : []),
  ];
}

/**
 * Train / Pause / Resume / Stop, in the header so a run can be started from any panel; starting one opens the
 * training panel, where its charts are.
 */
export function RunControls() {
  const api = useApi();
  const runs = useRunStore();
  const { spec } = useProject();
  const { currentRunId, setCurrentRunId, setStartError, setTab } = useStudio();
  const run = useRun(currentRunId);
  const { notifyError } = useToasts();
  const blockers = useTrainBlockers();
  const [starting, setStarting] = useState(false);
  const active = run !== null && !isFinished(run);

  const start = async () => {
    setStartError(null);
    setStarting(true);
    try {
      const { runId } = await api.startRun({ spec, gradientFlowEvery: gradientFlowEvery() });
      runs.ensure(runId, spec);
      setCurrentRunId(runId);
      setTab('training');
    } catch (e) {
      setStartError(errorMessage(e));
      setTab('training');
      notifyError('Could not start training', e);
    } finally {
      setStarting(false);
    }
  };
  const control = async (action: 'pause' | 'resume' | 'stop') => {
    if (!currentRunId) return;
    try {
      await api.controlRun({ runId: currentRunId, action });
    } catch (e) {
      notifyError(`Could not ${action} the run`, e);
    }
  };

  const p = run?.progress;
  return (
    <div className="run-controls" role="toolbar" aria-label="Training">
      <button type="button" className="primary" data-testid="train-start" disabled={blockers.length > 0 || starting}
        title={blockers.join('\n') || 'Train the current spec'} onClick={() => void start()}>
        {starting ? 'Starting…' : '▶ Train'}
      </button>
      <button type="button" data-testid="train-pause" disabled={run?.status !== 'running'} onClick={() => void control('pause')} title="Pause after the current batch">❚❚</button>
      <button type="button" data-testid="train-resume" disabled={run?.status !== 'paused'} onClick={() => void control('resume')} title="Resume">▶</button>
      <button type="button" className="danger" data-testid="train-stop" disabled={!active} onClick={() => void control('stop')} title="Stop after the current batch; the model is still saved.">■</button>
      {run && active ? (
        <button type="button" className="text-button small" data-testid="header-run-status" onClick={() => setTab('training')}>
          {run.status === 'paused' ? 'paused' : 'training'} · epoch {p ? p.epoch + 1 : 0}/{run.epochsPlanned ?? '?'} · ETA {formatDuration(p?.etaSeconds ?? null)}
        </button>
      ) : null}
    </div>
  );
}
