import { memo, useEffect, useState } from 'react';
import type { RunDetail, RunSummary } from '../../shared/api.js';
import { useApi, useRun, useRunStore } from '../api/studio-client.js';
import { errorMessage } from '../api/errors.js';
import { Modal } from '../components/modal.js';
import { useToasts } from '../components/toasts.js';
import { formatMetric, formatTimestamp } from '../lib/format.js';
import { useConfirmDiscard } from '../state/unsaved-guard.js';
import { useProject } from '../state/project-context.js';
import { useStudio } from '../state/studio-state.js';
import { resolveTraining } from '../../shared/model-spec.js';
import { RunCharts, SmoothingControl, useSmoothing } from '../training/run-charts.js';
import { GradientFlowView } from '../training/gradient-flow-view.js';
import { HistogramsView } from '../training/histograms-view.js';
import { ReproducibilityBox } from '../training/insight-lines.js';
import { isFinished } from '../api/run-state.js';
import { BackendInfoLine, DataSummaryLine, RunErrorBox, RunProgress, RunResultLine } from '../training/run-status.js';
import { ExportRunButton } from '../interop/interop-ui.js';
import { CompareView } from './compare-view.js';
import { FamilyCompareView } from './family-compare.js';
import { TEMPLATE_FAMILIES } from '../../shared/templates.js';
import { describeLayer } from '../lib/spec-diff.js';
import { useRunsList } from './use-runs-list.js';
import { ProjectorView } from './projector-view.js';
import { RenameRunButton } from './rename-run.js';
import { OverlayView } from './overlay-view.js';
import { RunTagChips, RunTagsEditor } from './run-tags.js';
import { filterRuns } from './run-filter.js';
import type { StatusFilter } from './run-filter.js';
import { TOKEN_LAYER_CLASS } from '../../shared/layer-catalog.js';

const BEST_KEYS = ['val_loss', 'val_accuracy', 'val_mae'];

// memo: the shell re-renders for every live run update; a panel with no props need not follow it.
export const RunsPanel = memo(function RunsPanel() {
  const api = useApi();
  const { runs, error, refresh } = useRunsList();
  const { openRunId, setOpenRunId, currentRunId, setCurrentRunId } = useStudio();
  const { notify, notifyError } = useToasts();
  const [compareA, setCompareA] = useState('');
  const [compareB, setCompareB] = useState('');
  const [view, setView] = useState<'detail' | 'compare' | 'family' | 'overlay'>('detail');
  // The filter box and status select narrow the list; the checked runs (kept while filtered out) are overlaid.
  const [query, setQuery] = useState('');
  const [statusFilter, setStatusFilter] = useState<StatusFilter>('');
  const [checked, setChecked] = useState<string[]>([]);
  const shown = runs ? filterRuns(runs, query, statusFilter) : null;
  const overlayIds = checked.filter((id) => runs?.some((r) => r.id === id));
  const toggleChecked = (id: string) => setChecked((c) => (c.includes(id) ? c.filter((x) => x !== id) : [...c, id]));
  const [family, setFamily] = useState('');
  const families = TEMPLATE_FAMILIES.filter((f) => runs?.some((r) => r.templateFamily === f.id));
  const [deleting, setDeleting] = useState<RunSummary | null>(null);

  const doDelete = async (run: RunSummary) => {
    setDeleting(null);
    try {
      await api.deleteRun({ runId: run.id });
      if (openRunId === run.id) setOpenRunId(null);
      if (currentRunId === run.id) setCurrentRunId(null);
      if (compareA === run.id) setCompareA('');
      if (compareB === run.id) setCompareB('');
      setChecked((c) => c.filter((x) => x !== run.id));
      notify('info', `Deleted run ${run.name} (${run.id}).`);
      refresh();
    } catch (e) {
      notifyError('Could not delete the run', e);
    }
  };

  const setCompare = (which: 'a' | 'b', id: string) => {
    if (which === 'a') setCompareA(id);
    else setCompareB(id);
    setView('compare');
  };
  const comparing = view === 'compare' && compareA !== '' && compareB !== '';

  return (
    <div className="runs-panel" data-testid="runs-panel">
      <div className="runs-toolbar">
        <h3>Runs</h3>
        <button type="button" className="text-button" data-testid="runs-refresh" onClick={refresh}>
          Refresh
        </button>
        <span className="header-spacer" />
        <span className="muted">Compare</span>
        <RunSelect
          testId="compare-select-a"
          runs={runs}
          value={compareA}
          onChange={(id) => setCompare('a', id)}
          placeholder="run A"
        />
        <span className="muted">with</span>
        <RunSelect
          testId="compare-select-b"
          runs={runs}
          value={compareB}
          onChange={(id) => setCompare('b', id)}
          placeholder="run B"
        />
        <span className="muted">or a template family</span>
        <select
          data-testid="compare-family"
          value={family}
          onChange={(e) => {
            setFamily(e.target.value);
            setView(e.target.value ? 'family' : 'detail');
          }}
        >
          <option value="">family…</option>
          {families.map((f) => (
            <option key={f.id} value={f.id}>
              {f.title}
            </option>
          ))}
        </select>
      </div>
      <div className="runs-toolbar runs-filter-bar">
        <input
          type="text"
          className="runs-filter"
          data-testid="runs-filter"
          placeholder="Filter: name, tag, family, status; tag:xyz"
          aria-label="Filter runs"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <select
          data-testid="runs-status-filter"
          aria-label="Status filter"
          value={statusFilter}
          onChange={(e) => setStatusFilter(e.target.value as StatusFilter)}
        >
          <option value="">any status</option>
          <option value="active">running or paused</option>
          {(['completed', 'early-stopped', 'stopped', 'failed', 'running', 'paused'] as const).map((st) => (
            <option key={st} value={st}>
              {st}
            </option>
          ))}
        </select>
        <span className="muted small" data-testid="runs-shown">
          {shown && runs ? `${shown.length} of ${runs.length}` : ''}
        </span>
        <span className="header-spacer" />
        {overlayIds.length > 0 ? (
          <button type="button" className="text-button" data-testid="runs-clear-checked" onClick={() => setChecked([])}>
            Clear selection
          </button>
        ) : null}
        <button
          type="button"
          data-testid="runs-overlay"
          disabled={overlayIds.length === 0}
          title="Overlay the checked runs' curves"
          onClick={() => setView('overlay')}
        >
          Overlay {overlayIds.length} run{overlayIds.length === 1 ? '' : 's'}
        </button>
      </div>
      {error ? (
        <div className="error-box" role="alert" data-testid="runs-error">
          {error}
        </div>
      ) : null}
      <div className="table-scroll runs-table-wrap">
        <table
          className="data-table runs-table"
          data-testid="runs-list"
          data-count={runs?.length ?? 0}
          data-shown={shown?.length ?? 0}
        >
          <thead>
            <tr>
              <th className="check-col" title="Choose runs to overlay" />
              <th>Name</th>
              <th>Status</th>
              <th className="num">Epochs</th>
              {BEST_KEYS.map((k) => (
                <th key={k} className="num" title={`Best ${k} over the epochs`}>
                  best {k}
                </th>
              ))}
              <th>Backend</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shown?.map((r) => (
              <tr
                key={r.id}
                data-testid={`run-row-${r.id}`}
                data-status={r.status}
                className={r.id === openRunId ? 'selected' : ''}
              >
                <td className="check-col">
                  <input
                    type="checkbox"
                    data-testid={`run-check-${r.id}`}
                    aria-label={`Overlay run ${r.name}`}
                    checked={checked.includes(r.id)}
                    onChange={() => toggleChecked(r.id)}
                  />
                </td>
                <td>
                  <button
                    type="button"
                    className="link-button"
                    data-testid={`run-open-${r.id}`}
                    onClick={() => {
                      setOpenRunId(r.id);
                      setView('detail');
                    }}
                  >
                    {r.name}
                  </button>
                  <div className="muted small">
                    {r.id}
                    {r.dataKind ? ` · ${r.dataKind}` : ''} <RunTagChips tags={r.tags} testId={`run-tags-${r.id}`} />
                  </div>
                </td>
                <td>
                  <span className={`status-chip status-${r.status}`} title={r.error ?? undefined}>
                    {r.status}
                  </span>
                </td>
                <td className="num">
                  {r.epochsRun}/{r.epochs}
                </td>
                {BEST_KEYS.map((k) => (
                  <td key={k} className="num">
                    {formatMetric(r.best[k])}
                  </td>
                ))}
                <td>{r.backend ?? '—'}</td>
                <td>{formatTimestamp(r.createdAt)}</td>
                <td className="row-actions">
                  <RenameRunButton run={r} testIdSuffix={r.id} onRenamed={refresh} />
                  <button
                    type="button"
                    className="icon-button danger"
                    data-testid={`run-delete-${r.id}`}
                    aria-label={`Delete run ${r.name}`}
                    disabled={r.status === 'running' || r.status === 'paused'}
                    title={
                      r.status === 'running' || r.status === 'paused'
                        ? 'Stop the run first'
                        : 'Delete this run and its files'
                    }
                    onClick={() => setDeleting(r)}
                  >
                    ✕
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {runs?.length === 0 ? <div className="empty-state">No runs yet. Train a model and it appears here.</div> : null}
        {runs && runs.length > 0 && shown?.length === 0 ? (
          <div className="empty-state" data-testid="runs-none-match">
            No runs match the filter.
          </div>
        ) : null}
        {runs === null && !error ? <div className="muted">Loading runs…</div> : null}
      </div>
      <div className="runs-detail-area">
        {view === 'overlay' && overlayIds.length > 0 ? (
          <OverlayView runIds={overlayIds} />
        ) : view === 'family' && family && runs ? (
          <FamilyCompareView family={family} runs={runs} />
        ) : comparing ? (
          <CompareView runA={compareA} runB={compareB} />
        ) : openRunId ? (
          <RunDetailView runId={openRunId} listedName={runs?.find((r) => r.id === openRunId)?.name} />
        ) : (
          <div className="empty-state">Open a run to see its charts, or choose two runs to compare.</div>
        )}
      </div>
      {deleting ? (
        <Modal
          title="Delete run?"
          onClose={() => setDeleting(null)}
          testId="run-delete-dialog"
          footer={
            <>
              <button type="button" data-testid="run-delete-cancel" onClick={() => setDeleting(null)}>
                Cancel
              </button>
              <button
                type="button"
                className="danger"
                data-testid="run-delete-confirm"
                onClick={() => void doDelete(deleting)}
              >
                Delete
              </button>
            </>
          }
        >
          <p>
            Delete run “{deleting.name}” ({deleting.id})? Its metrics and saved model are removed from disk.
          </p>
        </Modal>
      ) : null}
    </div>
  );
});

export function RunSelect({
  runs,
  value,
  onChange,
  testId,
  placeholder,
  filter,
}: {
  runs: RunSummary[] | null;
  value: string;
  onChange: (id: string) => void;
  testId: string;
  placeholder: string;
  filter?: (r: RunSummary) => boolean;
}) {
  const list = (runs ?? []).filter(filter ?? (() => true));
  return (
    <select data-testid={testId} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{placeholder}</option>
      {list.map((r) => (
        <option key={r.id} value={r.id}>
          {r.name} · {formatTimestamp(r.createdAt)} · {r.status}
        </option>
      ))}
    </select>
  );
}

function RunDetailView({ runId, listedName }: { runId: string; listedName?: string | undefined }) {
  const api = useApi();
  const runs = useRunStore();
  const run = useRun(runId);
  const project = useProject();
  const confirmDiscard = useConfirmDiscard();
  const { setTab, setPredictRunId } = useStudio();
  const [detail, setDetail] = useState<RunDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [smoothing, setSmoothing] = useSmoothing();
  // Read again when the run ends (a replay's comparison, the final records).
  const ended = run !== null && isFinished(run);

  useEffect(() => {
    let live = true;
    if (!ended) setDetail(null);
    setError(null);
    api.getRun({ runId }).then(
      (d) => {
        if (!live) return;
        setDetail(d);
        runs.seed(d);
      },
      (e: unknown) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [api, runs, runId, ended]);

  if (error)
    return (
      <div className="error-box" role="alert" data-testid="run-detail-error">
        {error}
      </div>
    );
  if (!detail || !run)
    return (
      <div className="muted" data-testid="run-detail" data-loading="true">
        Loading run {runId}…
      </div>
    );
  const training = resolveTraining(detail.spec);
  const loadSpec = async () => {
    if (!(await confirmDiscard('load this run’s spec'))) return;
    project.load(detail.spec, `${detail.name} (from run ${detail.id})`, null);
    setTab('builder');
  };
  const finishedOk = run.status === 'completed' || run.status === 'stopped' || run.status === 'early-stopped';
  return (
    <div className="run-detail" data-testid="run-detail" data-run-id={runId}>
      <div className="section-head">
        <h3 data-testid="run-detail-name">
          {listedName ?? detail.name} <span className="muted small">{detail.id}</span>
        </h3>
        <RenameRunButton
          run={{ id: detail.id, name: listedName ?? detail.name }}
          testIdSuffix="detail"
          onRenamed={(r) => setDetail((d) => (d ? { ...d, name: r.name } : d))}
        />
        <RunTagChips tags={detail.tags} testId="run-detail-tags" />
        <span className="header-spacer" />
        <button type="button" className="text-button" data-testid="run-load-spec" onClick={() => void loadSpec()}>
          Open spec in builder
        </button>
        {finishedOk ? (
          <button
            type="button"
            className="text-button"
            data-testid="run-predict"
            onClick={() => {
              setPredictRunId(runId);
              setTab('predict');
            }}
          >
            Predict…
          </button>
        ) : null}
        {finishedOk ? <ExportRunButton runId={runId} /> : null}
        <SmoothingControl value={smoothing} onChange={setSmoothing} />
      </div>
      <RunTagsEditor
        runId={detail.id}
        tags={detail.tags}
        onSaved={(r) => setDetail((d) => (d ? { ...d, tags: r.tags } : d))}
      />
      <div className="run-spec-line muted small" data-testid="run-spec-summary">
        {detail.spec.layers.map((l) => describeLayer(l)).join(' → ')} · {training.optimizer} lr {training.learningRate}{' '}
        · batch {training.batchSize} · {training.loss}
      </div>
      {run.status === 'running' || run.status === 'paused' ? <RunProgress run={run} /> : null}
      <BackendInfoLine run={run} />
      <DataSummaryLine summary={run.dataSummary} />
      <RunErrorBox error={run.error} testId="run-detail-run-error" />
      <RunResultLine run={run} loss={training.loss} />
      <ReproducibilityBox detail={detail} run={run} />
      <RunCharts
        run={run}
        smoothing={smoothing}
        loss={training.loss}
        clipnorm={training.clipnorm}
        testPrefix="detail-"
      />
      <GradientFlowView run={run} testPrefix="detail-" />
      <HistogramsView run={run} testPrefix="detail-" />
      {finishedOk &&
      detail.spec.data?.kind === 'text' &&
      detail.spec.layers.some((l) => l.className === TOKEN_LAYER_CLASS) ? (
        <ProjectorView runId={runId} />
      ) : null}
    </div>
  );
}
