import { useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { StudioApi } from '../shared/api.js';
import {
  StudioClientProvider,
  useApi,
  useConnection,
  useRun,
  useRunStore,
  useStudioEvent,
} from './api/studio-client.js';
import { ErrorBoundary } from './components/error-boundary.js';
import { ShortcutsOverlay } from './components/shortcuts-overlay.js';
import { ToastProvider } from './components/toasts.js';
import type { ConnectionSource } from './api/connection.js';
import { BuilderPanel } from './builder/builder-panel.js';
import { DataPanel } from './data/data-panel.js';
import { PredictPanel } from './predict/predict-panel.js';
import { ProjectBar } from './projects/project-bar.js';
import { UnsavedGuardProvider } from './state/unsaved-guard.js';
import { RunsPanel } from './runs/runs-panel.js';
import { RunControls } from './training/run-controls.js';
import { TrainingPanel } from './training/training-panel.js';
import { formatBackend, formatCount } from './lib/format.js';
import { ProjectProvider, useProject } from './state/project-context.js';
import { isFinished } from './api/run-state.js';
import { runToFollowAfterLoad } from './state/follow-run.js';
import { StudioStateProvider, useStudio } from './state/studio-state.js';
import { ServerInfoProvider, useServerInfo } from './api/server-info.js';
import { DataFilesProvider } from './data/use-preview.js';
import type { TabId } from './state/studio-state.js';

export interface AppProps {
  api: StudioApi;
  /** The link state for the disconnected banner; absent for hosts whose link cannot drop (Electron). */
  connection?: ConnectionSource | null;
}

export function App({ api, connection }: AppProps) {
  return (
    <StudioClientProvider api={api} connection={connection ?? null}>
      <ToastProvider>
        <ProjectProvider>
          <UnsavedGuardProvider>
            <ServerInfoProvider>
              <DataFilesProvider>
                <StudioStateProvider>
                  <Shell />
                </StudioStateProvider>
              </DataFilesProvider>
            </ServerInfoProvider>
          </UnsavedGuardProvider>
        </ProjectProvider>
      </ToastProvider>
    </StudioClientProvider>
  );
}

const TABS: { id: TabId; label: string; render: () => ReactNode }[] = [
  { id: 'builder', label: 'Model', render: () => <BuilderPanel /> },
  { id: 'data', label: 'Data', render: () => <DataPanel /> },
  { id: 'training', label: 'Training', render: () => <TrainingPanel /> },
  { id: 'runs', label: 'Runs', render: () => <RunsPanel /> },
  { id: 'predict', label: 'Predict', render: () => <PredictPanel /> },
];

function Shell() {
  const studio = useStudio();
  const server = useServerInfo();
  const project = useProject();
  const run = useRun(studio.currentRunId);
  useFollowActiveRuns();
  useStartWithSample();
  useEditorShortcuts();
  const [shortcutsOpen, setShortcutsOpen] = useShortcutsKey();

  useEffect(() => {
    document.title = `${project.dirty ? '● ' : ''}${project.state.name} — RNN Studio`;
  }, [project.dirty, project.state.name]);

  const errorCount = project.analysis.issues.filter((i) => i.severity === 'error').length;
  const training = run !== null && !isFinished(run);
  const active = TABS.find((t) => t.id === studio.tab) ?? TABS[0]!;
  // One element per tab: the shell re-renders with every run event (badge, status bar), the open panel only with
  // what it reads itself (contexts, its own run subscription), not with every training message.
  const panel = useMemo(() => active.render(), [active]);
  return (
    <div className="app">
      {/* Wraps onto a second row when narrow (file actions first, then the run controls), so nothing leaves the window. */}
      <header className="app-header" data-testid="app-header">
        <span className="brand">RNN Studio</span>
        <ErrorBoundary name="Project bar">
          <ProjectBar />
        </ErrorBoundary>
        <span className="header-spacer" />
        <div className="header-end">
          <ErrorBoundary name="Run controls">
            <RunControls />
          </ErrorBoundary>
          <span className="muted small engine-info" data-testid="engine-info">
            {server.engine
              ? `${server.engine.host === 'electron' ? 'desktop' : 'browser'} · v${server.engine.appVersion}`
              : ''}
          </span>
          <button
            type="button"
            className="icon-button shortcuts-button"
            data-testid="shortcuts-open"
            aria-label="Keyboard shortcuts"
            title="Keyboard shortcuts (?)"
            onClick={() => setShortcutsOpen(true)}
          >
            ?
          </button>
        </div>
      </header>
      {shortcutsOpen ? <ShortcutsOverlay onClose={() => setShortcutsOpen(false)} /> : null}
      <ConnectionBanner />
      <nav className="tabs" role="tablist" aria-label="Studio panels">
        {TABS.map((t, n) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={studio.tab === t.id}
            className={`tab${studio.tab === t.id ? ' active' : ''}`}
            data-testid={`tab-${t.id}`}
            title={`${t.label} (Alt+${n + 1})`}
            onClick={() => studio.setTab(t.id)}
          >
            {t.label}
            {t.id === 'builder' && errorCount > 0 ? (
              <span className="badge error" title={`${errorCount} problems`}>
                {errorCount}
              </span>
            ) : null}
            {t.id === 'training' && training ? (
              <span className="badge live" title="Training">
                ●
              </span>
            ) : null}
          </button>
        ))}
      </nav>
      <main className="panel-host" role="tabpanel" aria-label={active.label}>
        <ErrorBoundary key={active.id} name={active.label}>
          {panel}
        </ErrorBoundary>
      </main>
      <footer className="status-bar" data-testid="status-bar">
        <span>
          {project.spec.layers.length} layers · {formatCount(project.analysis.totalParams)} params
        </span>
        <span className={errorCount > 0 ? 'status-error' : 'status-ok'}>
          {errorCount > 0 ? `${errorCount} problem${errorCount === 1 ? '' : 's'}` : 'valid'}
        </span>
        {run ? (
          <span>
            run {run.runId}: {run.status}
          </span>
        ) : null}
        <span className="header-spacer" />
        <span className="muted">
          {run?.backend
            ? formatBackend(run.backend)
            : server.engine?.backend
              ? formatBackend(server.engine.backend)
              : ''}
        </span>
      </footer>
    </div>
  );
}

function ConnectionBanner() {
  const c = useConnection();
  // The first connection takes a few milliseconds; a banner flashing on every page load would only be noise.
  const [patient, setPatient] = useState(true);
  useEffect(() => {
    const timer = setTimeout(() => setPatient(false), 1000);
    return () => clearTimeout(timer);
  }, []);
  if (c.state === 'open' || (c.state === 'connecting' && patient)) return null;
  const restartHint =
    c.attempt >= 3 && !c.detail
      ? ' If `npm run web` was restarted, open the URL it printed: the access token changes on every start.'
      : '';
  const text =
    c.state === 'refused'
      ? 'Not connected to the studio server.'
      : c.state === 'connecting'
        ? 'Connecting to the studio server…'
        : `Disconnected from the studio server. Reconnecting${c.retryInMs !== null ? ` in ${Math.max(1, Math.round(c.retryInMs / 1000))} s` : ''} (attempt ${c.attempt}).`;
  return (
    <div className={`connection-banner ${c.state}`} role="status" data-testid="connection-banner" data-state={c.state}>
      {text}
      {c.detail ? ` ${c.detail}` : restartHint}
    </div>
  );
}

/**
 * The training panel follows the run this window started, or one found training (another window, or before a
 * reload); after the link comes back, the current run is re-read since events may have been missed.
 */
function useFollowActiveRuns() {
  const api = useApi();
  const runs = useRunStore();
  const { currentRunId, setCurrentRunId, setStartError } = useStudio();
  const connection = useConnection();
  const currentRef = useRef(currentRunId);
  currentRef.current = currentRunId;
  const { loadCount } = useProject().state;
  const followedLoad = useRef(loadCount);

  // Another project loaded (New, Open, a template): the previous project's finished run is no longer "the current
  // run" of the Training tab and the status bar; one still training stays followed.
  useEffect(() => {
    if (followedLoad.current === loadCount) return;
    followedLoad.current = loadCount;
    const keep = runToFollowAfterLoad(currentRef.current, runs.get(currentRef.current));
    if (keep !== currentRef.current) setCurrentRunId(keep);
    setStartError(null);
  }, [loadCount, runs, setCurrentRunId, setStartError]);

  useEffect(() => {
    let live = true;
    api
      .listRuns({})
      .then(async (list) => {
        const active = list.find((r) => r.status === 'running' || r.status === 'paused');
        if (!live || !active || currentRef.current) return;
        setCurrentRunId(active.id);
        runs.seed(await api.getRun({ runId: active.id }));
      })
      .catch(() => {
        // The runs panel shows list errors; here a failure only means nothing to follow.
      });
    return () => {
      live = false;
    };
  }, [api, runs, setCurrentRunId]);

  useStudioEvent((e) => {
    if (e.type !== 'run') return;
    const current = runs.get(currentRef.current);
    if (
      currentRef.current === null ||
      (current &&
        isFinished(current) &&
        e.runId !== current.runId &&
        !isFinished(runs.get(e.runId) ?? { status: 'running' }))
    ) {
      setCurrentRunId(e.runId);
    }
  });

  useEffect(() => {
    const id = currentRef.current;
    if (connection.reconnects === 0 || !id) return;
    api.getRun({ runId: id }).then(
      (d) => runs.seed(d),
      () => {},
    );
  }, [connection.reconnects, api, runs]);
}

/** A fresh window opens on the text sample, so there is something to train right away. */
function useStartWithSample() {
  const { samples } = useServerInfo();
  const project = useProject();
  const done = useRef(false);
  useEffect(() => {
    if (done.current || !samples || samples.length === 0) return;
    done.current = true;
    if (project.state.loadCount > 0 || project.dirty) return;
    const sample = samples.find((s) => s.spec.input.kind === 'tokens') ?? samples[0]!;
    project.load(sample.spec, sample.title, null);
  }, [samples, project]);
}

function useEditorShortcuts() {
  const project = useProject();
  const studio = useStudio();
  const ref = useRef({ project, studio });
  ref.current = { project, studio };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const { project: p, studio: s } = ref.current;
      const target = e.target as HTMLElement | null;
      const typing =
        target !== null &&
        (target.tagName === 'INPUT' ||
          target.tagName === 'TEXTAREA' ||
          target.tagName === 'SELECT' ||
          target.isContentEditable);
      if ((e.ctrlKey || e.metaKey) && !typing && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        if (e.shiftKey) p.redo();
        else p.undo();
      } else if ((e.ctrlKey || e.metaKey) && !typing && e.key.toLowerCase() === 'y') {
        e.preventDefault();
        p.redo();
      } else if (e.altKey && /^[1-5]$/.test(e.key)) {
        e.preventDefault();
        s.setTab(TABS[Number(e.key) - 1]!.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/** '?' (outside text fields and dialogs) opens the keyboard-shortcut overlay. */
function useShortcutsKey(): [boolean, (open: boolean) => void] {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '?' || e.ctrlKey || e.metaKey || e.altKey) return;
      const target = e.target as HTMLElement | null;
      const typing =
        target !== null &&
        (target.tagName === 'INPUT' ||
          target.tagName === 'TEXTAREA' ||
          target.tagName === 'SELECT' ||
          target.isContentEditable);
      if (typing || target?.closest('[role="dialog"]')) return;
      e.preventDefault();
      setOpen(true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return [open, setOpen];
}
