import { memo, useState } from 'react';
import type { DataPreview } from '../../shared/api.js';
import type { DataSpec, TextDataSpec, TimeSeriesDataSpec } from '../../shared/model-spec.js';
import { useApi, useRun } from '../api/studio-client.js';
import { Field, NumberInput, Select } from '../components/fields.js';
import { useToasts } from '../components/toasts.js';
import { useConfirmDiscard } from '../state/unsaved-guard.js';
import { useProject } from '../state/project-context.js';
import { useStudio } from '../state/studio-state.js';
import { useServerInfo } from '../api/server-info.js';
import { useAction } from '../api/use-api-call.js';
import { checkDataSettings } from './data-checks.js';
import type { DataIssue } from './data-checks.js';
import {
  adoptSeriesColumns,
  setDataKind,
  setDataPath,
  setSeriesData,
  setTextData,
  setTokenInput,
} from './data-edits.js';
import { classifyColumns, inferDataKind, sniffCsv } from './csv-sniff.js';
import { describeDuration, windowDefaults } from '../../shared/timestamps.js';
import type { ColumnKinds } from './csv-sniff.js';
import { DataPreviewView } from './data-preview-view.js';
import { useDataFiles, useDataPreview } from './use-preview.js';
import type { SniffedColumns } from './use-preview.js';
import { formatBytes, selectUpload, sendUpload } from './upload.js';
import type { UploadProgress } from './upload.js';
import { UploadProgressBar } from './upload-progress.js';
import { BookDatasets } from './book-datasets.js';

/** Where the data comes from, how it is preprocessed, and what it looks like. */
// Memoised: the shell re-renders on run updates, and the preview chart's shaded areas are costly to re-register.
export const DataPanel = memo(function DataPanel() {
  const { spec } = useProject();
  const preview = useDataPreview(spec.data);
  const { sniffed } = useDataFiles();
  const data = spec.data;
  const issues = checkDataSettings(spec);
  const ready = preview.status === 'ready' ? preview.preview : null;
  const columns = columnsOf(data, ready, sniffed);
  return (
    <div className="data-panel" data-testid="data-panel">
      <div className="data-settings">
        <DataSource />
        {data?.kind === 'text' ? <TextSettings data={data} issues={issues} /> : null}
        {data?.kind === 'timeseries' ? (
          <SeriesSettings
            data={data}
            issues={issues}
            columns={columns}
            samplingSeconds={ready?.kind === 'timeseries' ? ready.samplingSeconds : null}
          />
        ) : null}
      </div>
      <div className="data-preview-pane">
        <RunDataError />
        <DataPreviewView state={preview} />
      </div>
    </div>
  );
});

function columnsOf(
  data: DataSpec | undefined,
  preview: DataPreview | null,
  sniffed: ReadonlyMap<string, SniffedColumns>,
): SniffedColumns | null {
  if (!data || data.kind !== 'timeseries') return null;
  if (preview?.kind === 'timeseries' && preview.path)
    return { header: preview.columns, ...classifyColumns(preview.columns, preview.head) };
  return sniffed.get(data.path) ?? null;
}

function RunDataError() {
  const { currentRunId } = useStudio();
  const run = useRun(currentRunId);
  if (!run?.error || run.error.stage !== 'data') return null;
  return (
    <div className="error-box" role="alert" data-testid="run-data-error">
      <strong>The last run could not read its data.</strong> {run.error.message}
    </div>
  );
}

function DataSource() {
  const api = useApi();
  const { spec, edit, load } = useProject();
  const { samples, samplesError, engine } = useServerInfo();
  const confirmDiscard = useConfirmDiscard();
  const { notify } = useToasts();
  const files = useDataFiles();
  const [busy, setBusy] = useState<string | null>(null);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const data = spec.data;
  const current = samples?.find((s) => s.spec.data?.path === data?.path && s.spec.data?.kind === data?.kind);

  const chooseSample = async (id: string) => {
    const sample = samples?.find((s) => s.id === id);
    if (!sample || !(await confirmDiscard('load the sample'))) return;
    setError(null);
    load(sample.spec, sample.title, null);
  };

  // Uploads and picks share one busy flag and one error line: the Source section does one of them at a time.
  const task = useAction((work: () => Promise<void>) => work(), {
    onSettled: () => {
      setBusy(null);
      setProgress(null);
    },
  });
  const { error, setError } = task;

  const upload = (list: readonly File[], folder: boolean) => {
    if (list.length === 0) return;
    void task.run(async () => {
      const selection = selectUpload(folder ? list : list.slice(0, 1), folder);
      // The file says what it is for (prose → text, numbers → a series); when its start says neither, the model's input does.
      const head = folder ? null : sniffCsv(await list[0]!.slice(0, 64 * 1024).text());
      const kind: DataSpec['kind'] = folder
        ? 'text'
        : ((head && inferDataKind(head)) ?? (spec.input.kind === 'floats' ? 'timeseries' : 'text'));
      setBusy(
        `Uploading ${selection.files.length} file${selection.files.length === 1 ? '' : 's'} (${formatBytes(selection.bytes)})…`,
      );
      const { path } = await sendUpload(api, selection, setProgress);
      const payload = selection;
      files.forget();
      if (head) files.sniffed.set(path, { header: head.header, ...head.kinds });
      edit((s) => {
        let next = setDataPath(s, path, kind);
        if (next.data?.kind === 'text') next = setTextData(next, { format: folder ? 'auto' : 'csv' });
        if (head && next.data?.kind === 'timeseries') next = adoptSeriesColumns(next, head.kinds);
        // Windows in time, as Chollet sets them (5 days back, hourly, 24 h ahead), counted in this file's rows.
        if (head?.samplingSeconds && next.data?.kind === 'timeseries')
          next = setSeriesData(next, windowDefaults(head.samplingSeconds));
        return next;
      });
      notify(
        'success',
        `Imported ${payload.name} as ${kind === 'timeseries' ? 'a time series' : 'text'}${!folder && kind !== data?.kind && data ? ` (was ${data.kind === 'timeseries' ? 'time series' : 'text'}: the file's columns say so)` : ''}.`,
      );
    });
  };

  const pick = (kind: 'file' | 'folder') =>
    void task.run(async () => {
      const { path } = await api.pickDataPath({ kind });
      if (!path) return;
      files.forget();
      const dataKind: DataSpec['kind'] = kind === 'folder' ? 'text' : (data?.kind ?? 'text');
      edit((s) => {
        const next = setDataPath(s, path, dataKind);
        if (next.data?.kind === 'text') return setTextData(next, { format: kind === 'folder' ? 'auto' : 'csv' });
        // The page cannot read a picked file: let the server choose (every numeric column, a date column by name).
        return setSeriesData(next, { features: undefined, dateColumn: undefined });
      });
    });

  return (
    <section className="settings-section">
      <h3>Source</h3>
      <Field label="Bundled sample" help="A ready spec with data: loading one replaces the project.">
        {(id) => (
          <select
            id={id}
            data-testid="sample-select"
            value={current?.id ?? ''}
            onChange={(e) => void chooseSample(e.target.value)}
          >
            <option value="" disabled>
              {samples ? 'Choose a sample…' : 'Loading samples…'}
            </option>
            {samples?.map((s) => (
              <option key={s.id} value={s.id}>
                {s.title}
              </option>
            ))}
          </select>
        )}
      </Field>
      {current ? <p className="field-help">{current.description}</p> : null}
      {samplesError ? (
        <div className="error-box" data-testid="samples-error">
          {samplesError}
        </div>
      ) : null}
      <Field
        label="Data kind"
        help="Text classification (token ids) or time-series forecasting (float windows). An imported file sets it from its columns; changing it keeps the file and resets the other data settings, and the loss follows the task."
      >
        {(id) => (
          <Select<DataSpec['kind']>
            id={id}
            testId="data-kind"
            value={data?.kind ?? ''}
            placeholder="Choose…"
            options={[
              { value: 'text', label: 'Text classification' },
              { value: 'timeseries', label: 'Time series' },
            ]}
            onChange={(k) =>
              edit((s) => {
                // The same file, read the other way: a CSV already looked at gets its columns back at once.
                const next = setDataKind(s, k);
                const columns = next.data ? files.sniffed.get(next.data.path) : undefined;
                return next.data?.kind === 'timeseries' && columns ? adoptSeriesColumns(next, columns) : next;
              })
            }
          />
        )}
      </Field>
      <div className="import-row">
        {engine?.canPickPaths ? (
          <>
            <button type="button" data-testid="data-pick-file" onClick={() => void pick('file')}>
              Choose file…
            </button>
            <button type="button" data-testid="data-pick-folder" onClick={() => void pick('folder')}>
              Choose folder…
            </button>
          </>
        ) : (
          <>
            <label
              className="button-like"
              title="A CSV: text + label columns (text data) or numeric columns over time (time series, choose that kind first)."
            >
              Import CSV…
              <input
                type="file"
                className="visually-hidden"
                accept=".csv,.tsv,.txt,text/csv"
                data-testid="data-import-file"
                disabled={busy !== null}
                onChange={(e) => {
                  // Copy first: clearing the input (so the same file can be chosen again) empties its live FileList.
                  const files = Array.from(e.target.files ?? []);
                  e.target.value = '';
                  void upload(files, false);
                }}
              />
            </label>
            <label
              className="button-like"
              title="A folder per class of .txt files (aclImdb/train layout), or one line-file per class."
            >
              Import folder…
              <input
                type="file"
                className="visually-hidden"
                data-testid="data-import-folder"
                disabled={busy !== null}
                ref={(el) => el?.setAttribute('webkitdirectory', '')}
                multiple
                onChange={(e) => {
                  const files = Array.from(e.target.files ?? []);
                  e.target.value = '';
                  void upload(files, true);
                }}
              />
            </label>
          </>
        )}
      </div>
      <BookDatasets />
      {busy ? (
        <div className="muted small" data-testid="data-busy">
          {busy}
        </div>
      ) : null}
      {progress ? <UploadProgressBar progress={progress} testId="data-upload-progress" /> : null}
      <div className="data-path" title={data?.path}>
        <span className="muted">Path </span>
        <code data-testid="data-path">{data?.path || 'none'}</code>
      </div>
      {error ? (
        <div className="error-box" role="alert" data-testid="data-error">
          {error}
        </div>
      ) : null}
    </section>
  );
}

function issueOf(issues: DataIssue[], field: string): string | null {
  return issues.find((i) => i.field === field)?.message ?? null;
}

function TextSettings({ data, issues }: { data: TextDataSpec; issues: DataIssue[] }) {
  const { spec, edit, analysis } = useProject();
  const set = (patch: Partial<TextDataSpec>, key: string) => edit((s) => setTextData(s, patch), `data.${key}`);
  const input = spec.input.kind === 'tokens' ? spec.input : null;
  const inputIssue = (k: string) => analysis.issues.find((i) => i.path === `input.${k}`)?.message ?? null;
  const isCsv = data.format === 'csv' || /\.(csv|tsv)$/i.test(data.path);
  return (
    <section className="settings-section">
      <h3>Preprocessing</h3>
      {input ? (
        <div className="field-grid">
          <Field
            label="Vocabulary size"
            help="Keep the most frequent words (ids 0 = padding, 1 = out-of-vocabulary): input.vocabSize."
            error={inputIssue('vocabSize')}
          >
            {(id) => (
              <NumberInput
                id={id}
                testId="data-vocab-size"
                value={input.vocabSize}
                step={1000}
                onChange={(v) => edit((s) => setTokenInput(s, { vocabSize: v as number }), 'input.vocabSize')}
              />
            )}
          </Field>
          <Field
            label="Sequence length"
            help="Pad or cut every document to this many tokens: input.length (Keras maxlen)."
            error={inputIssue('length')}
          >
            {(id) => (
              <NumberInput
                id={id}
                testId="data-length"
                value={input.length}
                step={10}
                onChange={(v) => edit((s) => setTokenInput(s, { length: v as number }), 'input.length')}
              />
            )}
          </Field>
        </div>
      ) : (
        <div className="error-box">Text data needs token input; switch the input node to “Token ids”.</div>
      )}
      <div className="field-grid">
        <Field label="Padding" help="Where zeros go in short documents (Keras pad_sequences padding).">
          {(id) => (
            <Select
              id={id}
              testId="data-padding"
              value={data.padding ?? 'pre'}
              options={['pre', 'post'] as const}
              onChange={(v) => set({ padding: v }, 'padding')}
            />
          )}
        </Field>
        <Field label="Truncating" help="Which end of a long document is cut (pre keeps the end).">
          {(id) => (
            <Select
              id={id}
              testId="data-truncating"
              value={data.truncating ?? 'pre'}
              options={['pre', 'post'] as const}
              onChange={(v) => set({ truncating: v }, 'truncating')}
            />
          )}
        </Field>
        <Field
          label="Validation share"
          help="Share of the shuffled documents held out for validation."
          error={issueOf(issues, 'valFraction')}
        >
          {(id) => (
            <NumberInput
              id={id}
              testId="data-valFraction"
              value={data.valFraction ?? 0.2}
              step={0.05}
              onChange={(v) => set({ valFraction: v as number }, 'valFraction')}
            />
          )}
        </Field>
        <Field
          label="Test share"
          help="Share held out for a final test after training (0 = none)."
          error={issueOf(issues, 'testFraction')}
        >
          {(id) => (
            <NumberInput
              id={id}
              testId="data-testFraction"
              value={data.testFraction ?? 0}
              step={0.05}
              onChange={(v) => set({ testFraction: v as number }, 'testFraction')}
            />
          )}
        </Field>
      </div>
      <details className="advanced">
        <summary>Reading</summary>
        <div className="field-grid">
          <Field label="Format" help="auto detects: CSV, a folder per class of .txt files, or one line-file per class.">
            {(id) => (
              <Select
                id={id}
                testId="data-format"
                value={data.format ?? 'auto'}
                options={['auto', 'csv', 'folders', 'lines'] as const}
                onChange={(v) => set({ format: v }, 'format')}
              />
            )}
          </Field>
          <Field label="Encoding" help="auto: BOM, then strict UTF-8, else Windows-1252.">
            {(id) => (
              <Select
                id={id}
                testId="data-encoding"
                value={data.encoding ?? 'auto'}
                options={['auto', 'utf-8', 'latin1', 'windows-1252', 'utf-16le'] as const}
                onChange={(v) => set({ encoding: v }, 'encoding')}
              />
            )}
          </Field>
          {isCsv ? (
            <>
              <Field label="Text column" help="Leave empty to detect it by name (text, review, sentence…).">
                {(id) => (
                  <input
                    id={id}
                    type="text"
                    data-testid="data-textColumn"
                    value={data.textColumn ?? ''}
                    onChange={(e) => set({ textColumn: e.target.value || undefined }, 'textColumn')}
                  />
                )}
              </Field>
              <Field label="Label column" help="Leave empty to detect it by name (label, sentiment, class…).">
                {(id) => (
                  <input
                    id={id}
                    type="text"
                    data-testid="data-labelColumn"
                    value={data.labelColumn ?? ''}
                    onChange={(e) => set({ labelColumn: e.target.value || undefined }, 'labelColumn')}
                  />
                )}
              </Field>
            </>
          ) : null}
          <Field
            label="Max documents"
            help="Read at most this many (a quick look at a big corpus); empty = all."
            error={issueOf(issues, 'maxSamples')}
          >
            {(id) => (
              <NumberInput
                id={id}
                testId="data-maxSamples"
                value={data.maxSamples ?? ''}
                placeholder="all"
                step={1000}
                onChange={(v) => set({ maxSamples: v === '' ? undefined : (v as number) }, 'maxSamples')}
              />
            )}
          </Field>
        </div>
        <Field label="Lower-case" inline help="Lower-case the text before tokenizing (Keras default).">
          {(id) => (
            <input
              id={id}
              type="checkbox"
              data-testid="data-lowercase"
              checked={data.lowercase ?? true}
              onChange={(e) => set({ lowercase: e.target.checked }, 'lowercase')}
            />
          )}
        </Field>
        <Field label="Strip HTML" inline help="Remove tags such as <br /> (IMDB reviews are full of them).">
          {(id) => (
            <input
              id={id}
              type="checkbox"
              data-testid="data-stripHtml"
              checked={data.stripHtml ?? true}
              onChange={(e) => set({ stripHtml: e.target.checked }, 'stripHtml')}
            />
          )}
        </Field>
      </details>
    </section>
  );
}

function SeriesSettings({
  data,
  issues,
  columns,
  samplingSeconds,
}: {
  data: TimeSeriesDataSpec;
  issues: DataIssue[];
  columns: (ColumnKinds & { header: string[] }) | null;
  samplingSeconds: number | null;
}) {
  // Rows are what the settings count; the time they span is what the user reasons in (5 days, hourly, 24 h ahead).
  const span = (rows: number, testId: string) =>
    samplingSeconds !== null && Number.isFinite(rows) && rows > 0 ? (
      <span className="muted small" data-testid={testId}>
        {' '}
        = {describeDuration(rows * samplingSeconds)}
      </span>
    ) : null;
  const { spec, edit } = useProject();
  const set = (patch: Partial<TimeSeriesDataSpec>, key: string) => edit((s) => setSeriesData(s, patch), `data.${key}`);
  const numeric = columns ? columns.numeric.filter((c) => c !== data.dateColumn) : null;
  const chosen = data.features ?? numeric ?? [];
  const toggleFeature = (col: string, on: boolean) => {
    const base = data.features ?? numeric ?? [];
    const next = on ? [...base, col].filter((c, i, a) => a.indexOf(c) === i) : base.filter((c) => c !== col);
    // Keep the file's column order, so the feature order (and the saved normalisation) is stable.
    const order = numeric ?? next;
    set({ features: order.filter((c) => next.includes(c)) }, 'features');
  };
  const timesteps = spec.input.kind === 'floats' ? spec.input.timesteps : null;
  const features = spec.input.kind === 'floats' ? spec.input.features : null;
  return (
    <section className="settings-section">
      <h3>Windows</h3>
      <div className="field-grid">
        <Field
          label="Target"
          help="The column to forecast; always one of the features."
          error={issueOf(issues, 'target')}
        >
          {(id) =>
            numeric && numeric.length > 0 ? (
              <Select
                id={id}
                testId="data-target"
                value={data.target}
                options={numeric}
                placeholder="Choose…"
                onChange={(v) => set({ target: v }, 'target')}
              />
            ) : (
              <input
                id={id}
                type="text"
                data-testid="data-target"
                value={data.target}
                onChange={(e) => set({ target: e.target.value }, 'target')}
              />
            )
          }
        </Field>
        <Field label="Date column" help="Kept out of the features; used only to order and label rows.">
          {(id) =>
            columns ? (
              <select
                id={id}
                data-testid="data-dateColumn"
                value={data.dateColumn ?? ''}
                onChange={(e) => set({ dateColumn: e.target.value || null }, 'dateColumn')}
              >
                <option value="">(none)</option>
                {columns.header.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={id}
                type="text"
                data-testid="data-dateColumn"
                value={data.dateColumn ?? ''}
                onChange={(e) => set({ dateColumn: e.target.value || null }, 'dateColumn')}
              />
            )
          }
        </Field>
        <Field
          label="Lookback"
          help="Rows of history each sample sees (Chollet: 1440 = 10 days of 10-minute rows)."
          error={issueOf(issues, 'lookback')}
          extra={span(data.lookback, 'data-lookback-time')}
        >
          {(id) => (
            <NumberInput
              id={id}
              testId="data-lookback"
              value={data.lookback}
              step={1}
              onChange={(v) => set({ lookback: v as number }, 'lookback')}
            />
          )}
        </Field>
        <Field
          label="Step"
          help="Take every step-th row inside the window (sampling period)."
          error={issueOf(issues, 'step')}
          extra={span(data.step, 'data-step-time')}
        >
          {(id) => (
            <NumberInput
              id={id}
              testId="data-step"
              value={data.step}
              step={1}
              onChange={(v) => set({ step: v as number }, 'step')}
            />
          )}
        </Field>
        <Field
          label="Delay"
          help="How many rows after the window's end the target lies."
          error={issueOf(issues, 'delay')}
          extra={span(data.delay, 'data-delay-time')}
        >
          {(id) => (
            <NumberInput
              id={id}
              testId="data-delay"
              value={data.delay}
              step={1}
              onChange={(v) => set({ delay: v as number }, 'delay')}
            />
          )}
        </Field>
        <Field
          label="Train share"
          help="First share of the rows (chronological) used for training and the normalisation."
          error={issueOf(issues, 'trainFraction')}
        >
          {(id) => (
            <NumberInput
              id={id}
              testId="data-trainFraction"
              value={data.trainFraction ?? 0.5}
              step={0.05}
              onChange={(v) => set({ trainFraction: v as number }, 'trainFraction')}
            />
          )}
        </Field>
        <Field
          label="Validation share"
          help="The next share of rows; the test split gets the rest."
          error={issueOf(issues, 'valFraction')}
        >
          {(id) => (
            <NumberInput
              id={id}
              testId="data-valFraction"
              value={data.valFraction ?? 0.25}
              step={0.05}
              onChange={(v) => set({ valFraction: v as number }, 'valFraction')}
            />
          )}
        </Field>
      </div>
      <div className="derived" data-testid="data-derived">
        timesteps = ceil({String(data.lookback)} / {String(data.step)}) = <strong>{timesteps ?? '?'}</strong> · features
        = <strong>{features ?? '?'}</strong>
      </div>
      <fieldset className="features" data-testid="data-features">
        <legend>Features</legend>
        {numeric === null ? <p className="muted small">The columns appear once the data has been read.</p> : null}
        {numeric?.map((c) => (
          <label key={c} className="check">
            <input
              type="checkbox"
              data-testid={`data-feature-${c}`}
              checked={c === data.target || chosen.includes(c)}
              disabled={c === data.target}
              onChange={(e) => toggleFeature(c, e.target.checked)}
            />
            {c}
            {c === data.target ? <span className="muted"> (target)</span> : null}
          </label>
        ))}
        {issueOf(issues, 'features') ? <div className="field-error">{issueOf(issues, 'features')}</div> : null}
      </fieldset>
    </section>
  );
}
