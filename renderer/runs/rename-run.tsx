import { useState } from 'react';
import type { RunSummary } from '../../shared/api.js';
import { useApi } from '../api/studio-client.js';
import { useAction } from '../api/use-api-call.js';
import { Modal } from '../components/modal.js';
import { useToasts } from '../components/toasts.js';

/** The same limit renameRun's schema enforces (shared/api.ts). */
export const MAX_RUN_NAME = 200;

/** Why a run name would be refused, or null: what the dialog says before the call does. */
export function runNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'A run needs a name.';
  if (trimmed.length > MAX_RUN_NAME) return `Run names are limited to ${MAX_RUN_NAME} characters.`;
  return null;
}

/** A "Rename" button for one run and its dialog; `onRenamed` gets the run as the service now lists it. */
export function RenameRunButton({
  run,
  testIdSuffix,
  onRenamed,
  className = 'text-button',
}: {
  run: { id: string; name: string };
  testIdSuffix: string;
  onRenamed?: (run: RunSummary) => void;
  className?: string;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className={className}
        data-testid={`run-rename-${testIdSuffix}`}
        aria-label={`Rename run ${run.name}`}
        title="Rename this run"
        onClick={() => setOpen(true)}
      >
        Rename
      </button>
      {open ? (
        <RenameRunDialog
          run={run}
          onClose={() => setOpen(false)}
          onRenamed={(r) => {
            setOpen(false);
            onRenamed?.(r);
          }}
        />
      ) : null}
    </>
  );
}

function RenameRunDialog({
  run,
  onClose,
  onRenamed,
}: {
  run: { id: string; name: string };
  onClose: () => void;
  onRenamed: (run: RunSummary) => void;
}) {
  const api = useApi();
  const { notifyError } = useToasts();
  const [name, setName] = useState(run.name);
  const problem = runNameProblem(name);
  const renaming = useAction(async (next: string) => onRenamed(await api.renameRun({ runId: run.id, name: next })), {
    onError: (e) => notifyError('Could not rename the run', e),
  });
  const { busy } = renaming;
  const submit = async () => {
    if (problem || busy) return;
    await renaming.run(name.trim());
  };
  return (
    <Modal
      title="Rename run"
      onClose={onClose}
      testId="run-rename-dialog"
      footer={
        <>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="primary"
            data-testid="run-rename-confirm"
            disabled={problem !== null || busy}
            onClick={() => void submit()}
          >
            Rename
          </button>
        </>
      }
    >
      <label className="stacked-label">
        Name of run {run.id}
        <input
          type="text"
          data-testid="run-rename-name"
          value={name}
          maxLength={MAX_RUN_NAME + 50}
          onChange={(e) => setName(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && void submit()}
          onFocus={(e) => e.currentTarget.select()}
        />
      </label>
      {problem ? (
        <div className="field-error" data-testid="run-rename-problem">
          {problem}
        </div>
      ) : null}
    </Modal>
  );
}
