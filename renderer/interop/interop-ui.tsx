/**
 * Keras interop in the studio: "Export…" on a finished run (a Keras 3 .keras file, the TF.js layers format or a
 * runnable Keras 3 training script; written on the main side and offered as downloads), and "Import model…",
 * which turns a .keras file, a Keras model.to_json() file or a TF.js model.json (with its weight files) into the
 * model on the canvas.
 */
import { useRef, useState } from 'react';
import type { ExportFormat, ImportedModel, RunExport } from '../../shared/api.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { useApi } from '../api/studio-client.js';
import { useAction } from '../api/use-api-call.js';
import { Modal } from '../components/modal.js';
import { useToasts } from '../components/toasts.js';
import { formatBytes, selectUpload, sendUpload } from '../data/upload.js';
import type { UploadProgress } from '../data/upload.js';
import { UploadProgressBar } from '../data/upload-progress.js';
import { useConfirmDiscard } from '../state/unsaved-guard.js';
import { useProject } from '../state/project-context.js';
import { useStudio } from '../state/studio-state.js';

const FORMATS: { id: ExportFormat; title: string; doc: string }[] = [
  {
    id: 'keras',
    title: 'Keras 3 (.keras)',
    doc: 'keras.saving.load_model("model.keras"), compiled with its optimizer and loss; a text model comes with its vocabulary (.preprocessing.json), which the text must go through first.',
  },
  {
    id: 'tfjs',
    title: 'TF.js layers format',
    doc: 'model.json + weights.bin: tf.loadLayersModel in the browser or Node, or tensorflowjs in Python.',
  },
  {
    id: 'python',
    title: 'Keras training script',
    doc: 'A runnable Python script with the same preprocessing, model, optimizer and settings, starting from these weights; --distribute mirrored|multiworker for tf.distribute.',
  },
];

function download(name: string, base64: string): void {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The Export… button of a finished run and its dialog. */
export function ExportRunButton({ runId }: { runId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="text-button" data-testid="run-export" onClick={() => setOpen(true)}>
        Export…
      </button>
      {open ? <ExportDialog runId={runId} onClose={() => setOpen(false)} /> : null}
    </>
  );
}

function ExportDialog({ runId, onClose }: { runId: string; onClose: () => void }) {
  const api = useApi();
  const [format, setFormat] = useState<ExportFormat>('keras');
  const [result, setResult] = useState<RunExport | null>(null);
  const { run, busy, error } = useAction(async () => {
    setResult(null);
    const r = await api.exportRun({ runId, format });
    setResult(r);
    // One download: the zip when the format writes several files, else the file itself.
    if (r.zip?.contentBase64) download(r.zip.name, r.zip.contentBase64);
    else for (const f of r.files) if (f.contentBase64) download(f.name, f.contentBase64);
  });
  return (
    <Modal
      title="Export run"
      onClose={onClose}
      testId="export-dialog"
      footer={
        <>
          <button type="button" data-testid="export-close" onClick={onClose}>
            Close
          </button>
          <button
            type="button"
            className="primary"
            data-testid="export-confirm"
            disabled={busy}
            onClick={() => void run()}
          >
            {busy ? 'Exporting…' : 'Export'}
          </button>
        </>
      }
    >
      <fieldset className="export-formats">
        {FORMATS.map((f) => (
          <label key={f.id} className="radio-row">
            <input
              type="radio"
              name="export-format"
              data-testid={`export-format-${f.id}`}
              checked={format === f.id}
              onChange={() => setFormat(f.id)}
            />
            <span>
              <strong>{f.title}</strong>
              <br />
              <span className="muted small">{f.doc}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {error ? (
        <div className="error-box" role="alert" data-testid="export-error">
          {error}
        </div>
      ) : null}
      {result ? (
        <div data-testid="export-result" data-format={result.format}>
          <p>
            Written to <code>{result.dir}</code>
            {result.files.every((f) => f.contentBase64)
              ? result.zip
                ? ` and downloaded as ${result.zip.name}; each file:`
                : ' and downloaded:'
              : ' (too large to download through the studio):'}
          </p>
          <ul>
            {[...(result.zip ? [result.zip] : []), ...result.files].map((f) => (
              <li key={f.path}>
                {f.contentBase64 ? (
                  <a
                    href="#"
                    data-testid={`export-file-${f.name}`}
                    onClick={(e) => {
                      e.preventDefault();
                      download(f.name, f.contentBase64!);
                    }}
                  >
                    {f.name}
                  </a>
                ) : (
                  <code>{f.path}</code>
                )}
                <span className="muted small"> {formatBytes(f.bytes)}</span>
              </li>
            ))}
          </ul>
          <p className="muted small" data-testid="export-hint">
            {result.hint}
          </p>
        </div>
      ) : null}
    </Modal>
  );
}

/** Keeps the project's data settings when they fit the imported input (text ↔ tokens, time series ↔ floats). */
export function withCompatibleData(imported: ModelSpec, current: ModelSpec): ModelSpec {
  const fits =
    current.data &&
    ((current.data.kind === 'text' && imported.input.kind === 'tokens') ||
      (current.data.kind === 'timeseries' && imported.input.kind === 'floats'));
  return fits ? { ...imported, data: current.data } : imported;
}

/** "Import model…": a .keras file, a Keras model.to_json() file, or a TF.js model.json with its weight files. */
export function ImportModelButton() {
  const api = useApi();
  const project = useProject();
  const confirmDiscard = useConfirmDiscard();
  const { setTab, setStartWeights } = useStudio();
  const { notify } = useToasts();
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [report, setReport] = useState<ImportedModel | null>(null);
  const importing = useAction(
    async (files: File[]) => {
      const { uploadId } = await sendUpload(api, selectUpload(files, false), setProgress);
      const result = await api.importModel({ uploadId });
      if (!(await confirmDiscard('import this model'))) return;
      const forLoad = project.state.loadCount + 1;
      project.load(withCompatibleData(result.spec, project.spec), result.spec.name, null);
      // The imported weights are what the user came for: Train and Evaluate start from them until cleared.
      if (result.hasWeights)
        setStartWeights({
          source: { kind: 'import', id: result.id },
          label: `imported ${files.map((f) => f.name).join(', ')}`,
          forLoad,
        });
      setTab('builder');
      setReport(result);
      notify('success', `Imported ${result.spec.layers.length} layers from ${files.map((f) => f.name).join(', ')}.`);
    },
    { onSettled: () => setProgress(null) },
  );
  const { busy, error, setError } = importing;
  const onFiles = (list: FileList | null) => {
    const files = Array.from(list ?? []);
    if (input.current) input.current.value = '';
    if (files.length > 0) void importing.run(files);
  };

  return (
    <>
      <button
        type="button"
        data-testid="model-import"
        disabled={busy}
        onClick={() => input.current?.click()}
        title="A Keras .keras file, a Keras model.to_json() file, or a TF.js model.json with its weight files"
      >
        {busy ? 'Importing…' : 'Import model…'}
      </button>
      <input
        ref={input}
        type="file"
        hidden
        multiple
        accept=".keras,.json,.bin"
        data-testid="model-import-input"
        onChange={(e) => onFiles(e.target.files)}
      />
      {progress && progress.total >= 4 * 1024 ** 2 ? (
        <UploadProgressBar progress={progress} testId="model-import-progress" />
      ) : null}
      {error || report ? (
        <Modal
          title={error ? 'Import failed' : 'Model imported'}
          onClose={() => {
            setError(null);
            setReport(null);
          }}
          testId="import-report"
          footer={
            <button
              type="button"
              data-testid="import-close"
              onClick={() => {
                setError(null);
                setReport(null);
              }}
            >
              OK
            </button>
          }
        >
          {error ? (
            <div className="error-box" role="alert" data-testid="import-error">
              {error}
            </div>
          ) : null}
          {report ? (
            <div data-testid="import-summary" data-source={report.source} data-weights={String(report.hasWeights)}>
              <p>
                {report.spec.layers.length} layers are on the canvas (
                {report.source === 'keras'
                  ? 'Keras .keras file'
                  : report.source === 'tfjs'
                    ? 'TF.js model'
                    : 'Keras model.to_json()'}
                ).
              </p>
              <p>
                {report.hasWeights ? (
                  <>
                    Its trained weights were converted and kept in <code>{report.dir}</code>. In the Training tab,{' '}
                    <strong>Evaluate</strong> measures them on your data (then Predict and Export use that run) and{' '}
                    <strong>Train</strong> continues from them.
                  </>
                ) : (
                  <>No weights: {report.weightsNote}.</>
                )}
              </p>
              {report.warnings.length > 0 ? (
                <ul data-testid="import-warnings">
                  {report.warnings.map((w) => (
                    <li key={w}>{w}</li>
                  ))}
                </ul>
              ) : null}
            </div>
          ) : null}
        </Modal>
      ) : null}
    </>
  );
}
