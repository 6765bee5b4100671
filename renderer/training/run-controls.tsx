import { useAction } from '../api/use-api-call.js';
import { useApi, useRun, useRunStore } from '../api/studio-client.js';
import { errorMessage } from '../api/errors.js';
import { useToasts } from '../components/toasts.js';
import { checkDataSettings } from '../data/data-checks.js';
import { usePreviewError } from '../data/use-preview.js';
import { formatDuration } from '../lib/format.js';
import { useProject } from '../state/project-context.js';
import { isFinished } from '../api/run-state.js';
import { gradientFlowEvery } from './gradient-flow-view.js';
import { useStudio } from '../state/studio-state.js';
import type { TabId } from '../state/studio-state.js';

/** One reason Train is disabled, and the tab where it is fixed (null: nothing to go to, e.g. a run in progress). */
export interface TrainBlocker {
  message: string;
  tab: TabId | null;
}

const TAB_LABELS: Record<TabId, string> = {
  builder: 'Model',
  data: 'Data',
  training: 'Training',
  runs: 'Runs',
  predict: 'Predict',
};

export function blockerTabLabel(tab: TabId): string {
  return TAB_LABELS[tab];
}

/** Why Train is disabled, with where each reason is fixed; empty when the spec can be trained now. */
export function useTrainBlockerItems(): TrainBlocker[] {
  const { spec, analysis } = useProject();
  const { currentRunId } = useStudio();
  const run = useRun(currentRunId);
  const previewError = usePreviewError(spec.data);
  const errors = analysis.issues.filter((i) => i.severity === 'error');
  const where = (path: string): TabId =>
    path.startsWith('training.') ? 'training' : path.startsWith('data.') ? 'data' : 'builder';
  const firstTab = errors.length > 0 ? where(errors[0]!.path) : 'builder';
  return [
    ...(errors.length > 0
      ? [
          {
            message: `Fix the ${errors.length} problem${errors.length === 1 ? '' : 's'} in the model first (${TAB_LABELS[firstTab]} tab).`,
            tab: firstTab,
          },
        ]
      : []),
    ...checkDataSettings(spec).map((i) => ({ message: i.message, tab: 'data' as const })),
    ...(previewError ? [{ message: `The data cannot be read: ${previewError}`, tab: 'data' as const }] : []),
    ...(run !== null && !isFinished(run)
      ? [{ message: 'A run is in progress: stop it before starting another.', tab: null }]
      : []),
  ];
}

/** Why Train is disabled, in words; empty when the spec can be trained now. */
export function useTrainBlockers(): string[] {
  return useTrainBlockerItems().map((b) => b.message);
}

export interface RunControlsProps {
  /**
   * `header`: compact icon buttons, the run's status and why Train is disabled, in the app header.
   * `panel`: labelled buttons beside the Training tab's progress bar (test ids prefixed `panel-`).
   */
  placement?: 'header' | 'panel';
}

/**
 * Train / Pause / Resume / Stop. In the header so a run can be started from any panel (starting one opens the
 * training panel, where its charts are), and beside the progress bar in that panel: one component, two placements.
 */
export function RunControls({ placement = 'header' }: RunControlsProps) {
  const api = useApi();
  const runs = useRunStore();
  const { spec } = useProject();
  const { currentRunId, setCurrentRunId, setStartError, setTab, startWeights } = useStudio();
  const run = useRun(currentRunId);
  const { notifyError } = useToasts();
  const blockers = useTrainBlockerItems();
  const active = run !== null && !isFinished(run);
  const panel = placement === 'panel';
  const id = (name: string) => (panel ? `panel-${name}` : name);

  // The start error is the studio's (the training panel shows it where the run's own errors go), not this button's.
  const { run: start, busy: starting } = useAction(
    async (evaluateOnly: boolean) => {
      setStartError(null);
      const { runId } = await api.startRun({
        spec,
        gradientFlowEvery: gradientFlowEvery(),
        ...(startWeights ? { initialWeights: startWeights.source } : {}),
        ...(evaluateOnly ? { evaluateOnly } : {}),
      });
      runs.ensure(runId, spec);
      setCurrentRunId(runId);
      setTab('training');
    },
    {
      onError: (e) => {
        setStartError(errorMessage(e));
        setTab('training');
        notifyError('Could not start training', e);
      },
    },
  );
  const control = async (action: 'pause' | 'resume' | 'stop') => {
    if (!currentRunId) return;
    try {
      await api.controlRun({ runId: currentRunId, action });
    } catch (e) {
      notifyError(`Could not ${action} the run`, e);
    }
  };

  const p = run?.progress;
  const statusText = run
    ? `${run.status === 'paused' ? 'paused' : 'training'} · epoch ${p ? p.epoch + 1 : 0}/${run.epochsPlanned ?? '?'} · ETA ${formatDuration(p?.etaSeconds ?? null)}`
    : '';
  // The reason shown beside Train: the first one that points somewhere (a run in progress explains itself).
  const shownBlocker = active ? null : (blockers[0] ?? null);
  return (
    <div
      className={`run-controls${panel ? ' run-controls-panel' : ''}`}
      role="toolbar"
      aria-label={panel ? 'Run controls' : 'Training'}
      data-testid={panel ? 'panel-run-controls' : 'header-run-controls'}
    >
      <button
        type="button"
        className="primary"
        data-testid={id('train-start')}
        disabled={blockers.length > 0 || starting}
        title={blockers.map((b) => b.message).join('\n') || 'Train the current spec'}
        onClick={() => void start(false)}
      >
        {starting ? 'Starting…' : '▶ Train'}
      </button>
      {panel && startWeights ? (
        <button
          type="button"
          data-testid="panel-train-evaluate"
          disabled={blockers.length > 0 || starting}
          title={`Evaluate the weights of ${startWeights.label} on this data, without training: a run Predict and Export can use`}
          onClick={() => void start(true)}
        >
          Evaluate
        </button>
      ) : null}
      <button
        type="button"
        data-testid={id('train-pause')}
        disabled={run?.status !== 'running'}
        onClick={() => void control('pause')}
        title="Pause after the current batch"
        aria-label="Pause"
      >
        ❚❚{panel ? ' Pause' : ''}
      </button>
      <button
        type="button"
        data-testid={id('train-resume')}
        disabled={run?.status !== 'paused'}
        onClick={() => void control('resume')}
        title="Resume"
        aria-label="Resume"
      >
        ▶{panel ? ' Resume' : ''}
      </button>
      <button
        type="button"
        className="danger"
        data-testid={id('train-stop')}
        disabled={!active}
        onClick={() => void control('stop')}
        title="Stop after the current batch; the model is still saved."
        aria-label="Stop"
      >
        ■{panel ? ' Stop' : ''}
      </button>
      {!panel && run && active ? (
        <button
          type="button"
          className="text-button small run-status-button"
          data-testid="header-run-status"
          title={statusText}
          onClick={() => setTab('training')}
        >
          {statusText}
        </button>
      ) : null}
      {!panel && shownBlocker ? (
        <button
          type="button"
          className="text-button small blocked-reason"
          data-testid="train-blocked-reason"
          title={`${blockers.map((b) => b.message).join('\n')}${shownBlocker.tab ? `\n\nClick to open the ${TAB_LABELS[shownBlocker.tab]} tab.` : ''}`}
          onClick={() => shownBlocker.tab && setTab(shownBlocker.tab)}
        >
          <span aria-hidden="true">⚠</span>
          <span className="blocked-text">
            {shownBlocker.message}
            {blockers.length > 1 ? ` (+${blockers.length - 1} more)` : ''}
          </span>
        </button>
      ) : null}
    </div>
  );
}
