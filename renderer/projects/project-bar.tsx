import { useCallback, useEffect, useRef, useState } from 'react';
import { TemplateButton } from './template-dialog.js';
import type { ProjectSummary } from '../../shared/api.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { useApi } from '../api/studio-client.js';
import { errorMessage } from '../api/errors.js';
import { useAction } from '../api/use-api-call.js';
import { Modal } from '../components/modal.js';
import { useToasts } from '../components/toasts.js';
import { formatTimestamp } from '../lib/format.js';
import { useProject } from '../state/project-context.js';
import { blankSpec } from '../state/project-state.js';
import { useConfirmDiscard } from '../state/unsaved-guard.js';
import { ImportModelButton } from '../interop/interop-ui.js';

/** New / Open / Save / Save as, the project's name and whether it has unsaved changes. */
export function ProjectBar() {
  const api = useApi();
  const project = useProject();
  const confirmDiscard = useConfirmDiscard();
  const { notify, notifyError } = useToasts();
  const [dialog, setDialog] = useState<'open' | 'save-as' | null>(null);
  const { run: save, busy: saving } = useAction(
    async (name: string, id: string | null) => {
      const spec: ModelSpec = { ...project.spec, name };
      const saved = await api.saveProject({ ...(id ? { id } : {}), name, spec });
      project.markSaved(saved.id, saved.name, spec);
      notify('success', `Saved “${saved.name}”.`);
    },
    { onError: (e) => notifyError('Could not save the project', e) },
  );

  const saveCurrent = useCallback(() => {
    if (project.state.projectId) void save(project.state.name, project.state.projectId);
    else setDialog('save-as');
  }, [project.state.projectId, project.state.name, save]);

  const newProject = async () => {
    if (!(await confirmDiscard('start a new project'))) return;
    project.load(blankSpec(), 'untitled', null);
  };

  // Ctrl/Cmd+S saves from anywhere, as in every editor.
  const saveRef = useRef(saveCurrent);
  saveRef.current = saveCurrent;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
        e.preventDefault();
        if (e.shiftKey) setDialog('save-as');
        else saveRef.current();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="project-bar">
      <span
        className="project-title"
        title={`${project.state.name}${project.state.projectId ? '' : ' (not saved yet)'}`}
      >
        <span data-testid="project-name">{project.state.name}</span>
        {project.dirty ? (
          <span className="dirty-dot" data-testid="project-dirty" title="Unsaved changes">
            ●
          </span>
        ) : null}
      </span>
      <button type="button" data-testid="project-new" onClick={() => void newProject()}>
        New
      </button>
      <button type="button" data-testid="project-open" onClick={() => setDialog('open')}>
        Open…
      </button>
      <button type="button" data-testid="project-save" disabled={saving} onClick={saveCurrent} title="Ctrl+S">
        Save
      </button>
      <button
        type="button"
        data-testid="project-save-as"
        disabled={saving}
        onClick={() => setDialog('save-as')}
        title="Ctrl+Shift+S"
      >
        Save as…
      </button>
      <ImportModelButton />
      <TemplateButton />
      <span className="toolbar-sep" />
      <button
        type="button"
        className="icon-button"
        data-testid="undo"
        disabled={!project.canUndo}
        onClick={project.undo}
        title="Undo (Ctrl+Z)"
        aria-label="Undo"
      >
        ↶
      </button>
      <button
        type="button"
        className="icon-button"
        data-testid="redo"
        disabled={!project.canRedo}
        onClick={project.redo}
        title="Redo (Ctrl+Shift+Z)"
        aria-label="Redo"
      >
        ↷
      </button>
      {dialog === 'open' ? <OpenDialog onClose={() => setDialog(null)} /> : null}
      {dialog === 'save-as' ? (
        <SaveAsDialog
          initialName={project.state.name}
          onClose={() => setDialog(null)}
          onSave={async (name) => {
            if (await save(name, null)) setDialog(null);
          }}
        />
      ) : null}
    </div>
  );
}

function OpenDialog({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const project = useProject();
  const confirmDiscard = useConfirmDiscard();
  const [projects, setProjects] = useState<ProjectSummary[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.listProjects({}).then(
      (p) => live && setProjects(p),
      (e: unknown) => live && setListError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [api]);

  const opening = useAction(async (id: string) => {
    const p = await api.loadProject({ id });
    if (!(await confirmDiscard('open another project'))) return;
    project.load(p.spec, p.name, p.id);
    onClose();
  });
  const { busy } = opening;
  const error = listError ?? opening.error;
  const open = opening.run;

  return (
    <Modal
      title="Open project"
      onClose={onClose}
      testId="open-dialog"
      footer={
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      }
    >
      {error ? (
        <div className="error-box" role="alert" data-testid="open-error">
          {error}
        </div>
      ) : null}
      {projects === null && !error ? <p className="muted">Loading…</p> : null}
      {projects?.length === 0 ? <p className="muted">No saved projects yet. Save one with “Save as…”.</p> : null}
      <ul className="project-list" data-testid="project-list">
        {projects?.map((p) => (
          <li key={p.id}>
            <button
              type="button"
              className="list-button"
              data-testid={`project-item-${p.id}`}
              disabled={busy}
              onClick={() => void open(p.id)}
            >
              <span>{p.name}</span>
              <span className="muted">{formatTimestamp(p.updatedAt)}</span>
            </button>
          </li>
        ))}
      </ul>
    </Modal>
  );
}

function SaveAsDialog({
  initialName,
  onClose,
  onSave,
}: {
  initialName: string;
  onClose: () => void;
  onSave: (name: string) => Promise<void>;
}) {
  const [name, setName] = useState(initialName);
  const trimmed = name.trim();
  const problem =
    trimmed === '' ? 'A project needs a name.' : trimmed.length > 200 ? 'Names are limited to 200 characters.' : null;
  const submit = () => {
    if (!problem) void onSave(trimmed);
  };
  return (
    <Modal
      title="Save project as"
      onClose={onClose}
      testId="save-as-dialog"
      footer={
        <>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="primary"
            data-testid="project-save-confirm"
            disabled={problem !== null}
            onClick={submit}
          >
            Save
          </button>
        </>
      }
    >
      <label className="stacked-label">
        Project name
        <input
          type="text"
          data-testid="project-save-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && submit()}
          onFocus={(e) => e.currentTarget.select()}
        />
      </label>
      {problem ? <div className="field-error">{problem}</div> : null}
    </Modal>
  );
}
