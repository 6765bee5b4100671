import { memo, useEffect } from 'react';
import { resolveTraining } from '../../shared/model-spec.js';
import { LOSSES, OPTIMIZERS } from '../../shared/training-catalog.js';
import type { MetricName, TrainingSpec } from '../../shared/model-spec.js';
import { useApi, useRun, useRunStore } from '../api/studio-client.js';
import { Field, NumberInput, Select } from '../components/fields.js';
import { useProject } from '../state/project-context.js';
import { isFinished } from '../api/run-state.js';
import { useStudio } from '../state/studio-state.js';
import { RunCharts, SmoothingControl, useSmoothing } from './run-charts.js';
import { GradientFlowView } from './gradient-flow-view.js';
import { HistogramsView } from './histograms-view.js';
import { EstimatePanel } from './insight-lines.js';
import { blockerTabLabel, RunControls, useTrainBlockerItems } from './run-controls.js';
import { BackendInfoLine, DataSummaryLine, RunErrorBox, RunProgress, RunResultLine } from './run-status.js';
import { RunWarnings } from './run-warnings.js';
import { setEarlyStopping, setLoss, setTraining } from '../state/training-edits.js';

export function TrainingPanel() {
  return (
    <div className="training-panel" data-testid="training-panel">
      <TrainingSettings />
      <TrainingRun />
    </div>
  );
}

function TrainingRun() {
  const api = useApi();
  const runs = useRunStore();
  const { currentRunId, setTab, setPredictRunId, startError } = useStudio();
  const run = useRun(currentRunId);
  const blockers = useTrainBlockerItems();
  const [smoothing, setSmoothing] = useSmoothing();
  const { spec } = useProject();

  // A run found training elsewhere arrives without its spec: read it once for the chart settings (loss, epochs).
  const missingSpec = run !== null && run.spec === null;
  useEffect(() => {
    if (!missingSpec || !currentRunId) return;
    let live = true;
    api.getRun({ runId: currentRunId }).then(
      (d) => live && runs.seed(d),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [api, runs, currentRunId, missingSpec]);

  const active = run !== null && !isFinished(run);
  const runSpec = run?.spec ?? null;
  const runTraining = runSpec ? resolveTraining(runSpec) : null;
  const canPredict =
    run !== null && (run.status === 'completed' || run.status === 'stopped' || run.status === 'early-stopped');
  return (
    <div className="training-run">
      <div className="run-toolbar">
        <span className="header-spacer" />
        {canPredict ? (
          <button
            type="button"
            className="text-button"
            data-testid="train-to-predict"
            onClick={() => {
              setPredictRunId(run.runId);
              setTab('predict');
            }}
          >
            Predict with this run →
          </button>
        ) : null}
        <SmoothingControl value={smoothing} onChange={setSmoothing} />
      </div>
      {blockers.length > 0 && !active ? (
        <ul className="blockers" data-testid="train-blockers" aria-label="Why Train is disabled">
          {blockers.map((b, i) => (
            <li key={i}>
              {b.message}
              {b.tab && b.tab !== 'training' ? (
                <button
                  type="button"
                  className="text-button small"
                  data-testid={`train-blocker-goto-${i}`}
                  onClick={() => setTab(b.tab!)}
                >
                  Open the {blockerTabLabel(b.tab)} tab →
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      <StartWeightsLine />
      <div className="progress-row">
        <RunProgress run={run} />
        <RunControls placement="panel" />
      </div>
      <RunWarnings warnings={run?.warnings ?? []} />
      <EstimatePanel spec={spec} disabled={blockers.length > 0 || active} run={run} />
      <div className="run-meta">
        <BackendInfoLine run={run} />
        {run ? (
          <span className="muted small" data-testid="current-run-id">
            run {run.runId}
            {runSpec ? ` · ${runSpec.name}` : ''}
          </span>
        ) : null}
      </div>
      <DataSummaryLine summary={run?.dataSummary ?? null} />
      {startError ? (
        <RunErrorBox error={{ stage: null, message: startError }} />
      ) : (
        <RunErrorBox error={run?.error ?? null} />
      )}
      {run ? <RunResultLine run={run} loss={runTraining?.loss ?? null} /> : null}
      {run ? (
        <>
          <RunCharts
            run={run}
            smoothing={smoothing}
            loss={runTraining?.loss ?? null}
            clipnorm={runTraining?.clipnorm ?? null}
          />
          <GradientFlowView run={run} />
          <HistogramsView run={run} />
        </>
      ) : (
        <div className="empty-state">
          Press Train to start. Loss, metrics and the gradient norm of every layer are drawn here as the batches arrive.
        </div>
      )}
    </div>
  );
}

const MONITORS = ['val_loss', 'loss', 'val_accuracy', 'accuracy', 'val_mae', 'mae'] as const;

// Memoised: its form does not change with every batch of the run the panel shows.
const TrainingSettings = memo(function TrainingSettings() {
  const { spec, analysis, edit } = useProject();
  const t = resolveTraining(spec);
  const raw: TrainingSpec = spec.training ?? {};
  const issue = (key: string) => analysis.issues.find((i) => i.path === `training.${key}`)?.message ?? null;
  const set = (patch: Partial<TrainingSpec>, key: string) => edit((s) => setTraining(s, patch), `training.${key}`);
  const es = raw.earlyStopping ?? null;
  const toggleMetric = (m: MetricName, on: boolean) =>
    set({ metrics: on ? [...t.metrics.filter((x) => x !== m), m] : t.metrics.filter((x) => x !== m) }, 'metrics');
  return (
    <aside className="training-settings" data-testid="training-settings">
      <div className="pane-title">Training</div>
      <div className="field-grid">
        <Field label="Optimizer" help="rmsprop is Chollet's default for RNNs; Keras's default hyper-parameters.">
          {(id) => (
            <Select
              id={id}
              testId="training-optimizer"
              value={t.optimizer}
              options={OPTIMIZERS}
              onChange={(v) => set({ optimizer: v }, 'optimizer')}
            />
          )}
        </Field>
        <Field label="Learning rate" help="Step size (Keras default 0.001)." error={issue('learningRate')}>
          {(id) => (
            <NumberInput
              id={id}
              testId="training-learningRate"
              value={raw.learningRate ?? t.learningRate}
              onChange={(v) => set({ learningRate: v as number }, 'learningRate')}
            />
          )}
        </Field>
        <Field label="Batch size" help="Samples per gradient step." error={issue('batchSize')}>
          {(id) => (
            <NumberInput
              id={id}
              testId="training-batchSize"
              step={16}
              value={raw.batchSize ?? t.batchSize}
              onChange={(v) => set({ batchSize: v as number }, 'batchSize')}
            />
          )}
        </Field>
        <Field
          label="Epochs"
          help="Passes over the training data (early stopping may end sooner)."
          error={issue('epochs')}
        >
          {(id) => (
            <NumberInput
              id={id}
              testId="training-epochs"
              step={1}
              value={raw.epochs ?? t.epochs}
              onChange={(v) => set({ epochs: v as number }, 'epochs')}
            />
          )}
        </Field>
      </div>
      <Field
        label="Loss"
        help="binaryCrossentropy for two classes (sigmoid output), sparseCategoricalCrossentropy for more (softmax), MAE/MSE for forecasting."
        error={issue('loss')}
      >
        {(id) => (
          <Select
            id={id}
            testId="training-loss"
            value={t.loss}
            options={LOSSES}
            onChange={(v) => edit((s) => setLoss(s, v))}
          />
        )}
      </Field>
      <div className="check-row">
        <span className="muted">Metrics</span>
        {(['accuracy', 'mae'] as const).map((m) => (
          <label key={m} className="check">
            <input
              type="checkbox"
              data-testid={`training-metric-${m}`}
              checked={t.metrics.includes(m)}
              onChange={(e) => toggleMetric(m, e.target.checked)}
            />{' '}
            {m}
          </label>
        ))}
      </div>
      <Field
        label="Gradient clipping (clipnorm)"
        inline
        help="Rescale each gradient tensor to at most this L2 norm, as Keras's optimizer clipnorm."
        error={issue('clipnorm')}
      >
        {(id) => (
          <input
            id={id}
            type="checkbox"
            data-testid="training-clipnorm-enabled"
            checked={raw.clipnorm !== undefined && raw.clipnorm !== null}
            onChange={(e) => set({ clipnorm: e.target.checked ? 1 : null }, 'clipnorm')}
          />
        )}
      </Field>
      {raw.clipnorm !== undefined && raw.clipnorm !== null ? (
        <NumberInput
          testId="training-clipnorm"
          ariaLabel="clipnorm"
          value={raw.clipnorm}
          step={0.5}
          invalid={issue('clipnorm') !== null}
          onChange={(v) => set({ clipnorm: v as number }, 'clipnorm')}
        />
      ) : null}
      <Field
        label="Early stopping"
        inline
        help="Stop after `patience` epochs without improvement of the monitored value, like Keras's EarlyStopping callback."
      >
        {(id) => (
          <input
            id={id}
            type="checkbox"
            data-testid="training-es-enabled"
            checked={es !== null}
            onChange={(e) => edit((s) => setEarlyStopping(s, e.target.checked ? {} : null))}
          />
        )}
      </Field>
      {es ? (
        <div className="field-grid nested">
          <Field label="Monitor" error={issue('earlyStopping.monitor')}>
            {(id) => (
              <Select
                id={id}
                testId="training-es-monitor"
                value={es.monitor ?? 'val_loss'}
                options={MONITORS}
                onChange={(v) => edit((s) => setEarlyStopping(s, { monitor: v }), 'es.monitor')}
              />
            )}
          </Field>
          <Field
            label="Patience"
            help="Epochs without improvement before stopping."
            error={issue('earlyStopping.patience')}
          >
            {(id) => (
              <NumberInput
                id={id}
                testId="training-es-patience"
                step={1}
                value={es.patience}
                onChange={(v) => edit((s) => setEarlyStopping(s, { patience: v as number }), 'es.patience')}
              />
            )}
          </Field>
          <Field label="Min delta" help="Smallest change that counts as an improvement.">
            {(id) => (
              <NumberInput
                id={id}
                testId="training-es-minDelta"
                value={es.minDelta ?? 0}
                onChange={(v) => edit((s) => setEarlyStopping(s, { minDelta: v as number }), 'es.minDelta')}
              />
            )}
          </Field>
          <Field label="Restore best weights" inline help="End with the weights of the best epoch, not the last.">
            {(id) => (
              <input
                id={id}
                type="checkbox"
                data-testid="training-es-restore"
                checked={es.restoreBestWeights ?? true}
                onChange={(e) => edit((s) => setEarlyStopping(s, { restoreBestWeights: e.target.checked }))}
              />
            )}
          </Field>
        </div>
      ) : null}
      <details className="advanced">
        <summary>Advanced</summary>
        <div className="field-grid">
          <Field
            label="Seed"
            help="Same seed, same backend → the same run (initialisation, dropout masks, batch order)."
            error={issue('seed')}
          >
            {(id) => (
              <NumberInput
                id={id}
                testId="training-seed"
                step={1}
                value={raw.seed ?? t.seed}
                onChange={(v) => set({ seed: v as number }, 'seed')}
              />
            )}
          </Field>
          <Field
            label="Validation split"
            help="Held out from training when the data has no validation set of its own."
            error={issue('validationSplit')}
          >
            {(id) => (
              <NumberInput
                id={id}
                testId="training-validationSplit"
                step={0.05}
                value={raw.validationSplit ?? t.validationSplit}
                onChange={(v) => set({ validationSplit: v as number }, 'validationSplit')}
              />
            )}
          </Field>
        </div>
        <Field label="Shuffle every epoch" inline help="Keras shuffle=True.">
          {(id) => (
            <input
              id={id}
              type="checkbox"
              data-testid="training-shuffle"
              checked={t.shuffle}
              onChange={(e) => set({ shuffle: e.target.checked }, 'shuffle')}
            />
          )}
        </Field>
      </details>
      {analysis.issues.some((i) => i.path.startsWith('data.')) ? (
        <ul className="blockers">
          {analysis.issues
            .filter((i) => i.path.startsWith('data.'))
            .map((i, n) => (
              <li key={n}>{i.message}</li>
            ))}
        </ul>
      ) : null}
    </aside>
  );
});

/** Which weights Train starts from: fresh seeded ones, or those of an imported model or a finished run. */
function StartWeightsLine() {
  const { startWeights, setStartWeights } = useStudio();
  if (!startWeights) return null;
  return (
    <div className="start-weights muted small" data-testid="start-weights" data-kind={startWeights.source.kind}>
      Train continues from the weights of <strong>{startWeights.label}</strong>; Evaluate measures them on this data
      without training.{' '}
      <button
        type="button"
        className="text-button small"
        data-testid="start-weights-clear"
        onClick={() => setStartWeights(null)}
      >
        Use fresh weights
      </button>
    </div>
  );
}
