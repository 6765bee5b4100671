import { useEffect, useState } from 'react';
import type { RunSummary } from '../../shared/api.js';
import { MAX_RUN_TAGS, normalizeRunTags, runTagsProblem } from '../../shared/run-tags.js';
import { useApi } from '../api/studio-client.js';
import { useAction } from '../api/use-api-call.js';
import { useToasts } from '../components/toasts.js';

/** A run's tags as chips (the runs list and the detail header). */
export function RunTagChips({ tags, testId }: { tags: readonly string[]; testId?: string }) {
  if (tags.length === 0) return null;
  return (
    <span className="run-tags" data-testid={testId} data-count={tags.length}>
      {tags.map((t) => (
        <span key={t} className="label-chip run-tag" data-testid="run-tag-chip">
          {t}
        </span>
      ))}
    </span>
  );
}

const splitTags = (text: string) => text.split(',');

/** The detail view's tag editor: comma-separated tags, saved with setRunTags. */
export function RunTagsEditor({
  runId,
  tags,
  onSaved,
}: {
  runId: string;
  tags: readonly string[];
  onSaved?: (run: RunSummary) => void;
}) {
  const api = useApi();
  const { notifyError } = useToasts();
  const [text, setText] = useState(tags.join(', '));
  const saved = tags.join(', ');
  useEffect(() => setText(saved), [saved]);
  const parts = splitTags(text).filter((t) => t.trim() !== '');
  const problem = runTagsProblem(parts);
  const changed = normalizeRunTags(parts).join(', ') !== saved;
  const saving = useAction(async (tags: string[]) => onSaved?.(await api.setRunTags({ runId, tags })), {
    onError: (e) => notifyError('Could not save the tags', e),
  });
  const { busy } = saving;
  const save = async () => {
    if (problem || busy || !changed) return;
    await saving.run(normalizeRunTags(parts));
  };
  return (
    <div className="run-tags-editor">
      <label className="muted small" htmlFor={`run-tags-${runId}`}>
        Tags
      </label>
      <input
        id={`run-tags-${runId}`}
        type="text"
        data-testid="run-tags-input"
        value={text}
        placeholder={`comma-separated, up to ${MAX_RUN_TAGS}`}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && void save()}
      />
      <button
        type="button"
        className="text-button"
        data-testid="run-tags-save"
        disabled={problem !== null || busy || !changed}
        onClick={() => void save()}
      >
        Save tags
      </button>
      {problem ? (
        <span className="field-error" data-testid="run-tags-problem">
          {problem}
        </span>
      ) : null}
    </div>
  );
}
