/**
 * The book's data sets, as keras.datasets gives them: IMDB reviews and the Jena climate CSV, downloaded on first use
 * by the main side (checksum, cache, resume) with a progress bar here, then set as the project's data.
 */
import { useEffect, useState } from 'react';
import type { DatasetInfo, DatasetProgress } from '../../shared/api.js';
import { useApi } from '../api/studio-client.js';
import { errorMessage } from '../api/errors.js';
import { useAction } from '../api/use-api-call.js';
import { useToasts } from '../components/toasts.js';
import { useProject } from '../state/project-context.js';
import { useDataFiles } from './use-preview.js';
import { setDataPath, setSeriesData, setTextData } from './data-edits.js';
import { formatBytes } from './upload.js';
import { windowDefaults } from '../../shared/timestamps.js';
import { UploadProgressBar } from './upload-progress.js';

const PHASE_VERB: Record<DatasetProgress['phase'], string> = {
  download: 'Downloading',
  verify: 'Checking',
  extract: 'Extracting',
};

export function BookDatasets() {
  const api = useApi();
  const { edit } = useProject();
  const { notify } = useToasts();
  const files = useDataFiles();
  const [datasets, setDatasets] = useState<DatasetInfo[] | null>(null);
  const [busy, setBusy] = useState<{ id: DatasetInfo['id']; progress: DatasetProgress | null } | null>(null);
  const [listError, setListError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.listDatasets({}).then(
      (d) => live && setDatasets(d),
      (e: unknown) => live && setListError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [api]);

  // Subscribed per fetch (its id), not per progress update.
  const busyId = busy?.id;
  useEffect(() => {
    if (busyId === undefined) return undefined;
    return api.onEvent((e) => {
      if (e.type === 'dataset' && e.id === busyId) setBusy({ id: e.id, progress: e.progress });
    });
  }, [api, busyId]);

  const fetching = useAction(
    async (d: DatasetInfo) => {
      setBusy({ id: d.id, progress: null });
      const r = await api.fetchDataset({ id: d.id });
      files.forget();
      edit((s) => {
        const next = setDataPath(s, r.path, r.kind);
        if (next.data?.kind === 'text') return setTextData(next, { format: 'auto' });
        // Chollet 6.3: every column a feature, the temperature the target, 5 days of 10-minute rows sampled hourly,
        // 24 hours ahead; Jena's clock column is "Date Time".
        return setSeriesData(next, {
          dateColumn: 'Date Time',
          features: undefined,
          target: 'T (degC)',
          ...windowDefaults(600),
        });
      });
      setDatasets((all) => all?.map((x) => (x.id === d.id ? { ...x, cachedPath: r.path } : x)) ?? all);
      notify(
        'success',
        `${d.title}: ${r.downloaded ? 'downloaded, ' : ''}checksum ${r.checksum === 'verified' ? 'verified' : 'recorded (none is published)'}; it is the project's data now.`,
      );
    },
    { onSettled: () => setBusy(null) },
  );
  const use = fetching.run;
  const error = listError ?? fetching.error;

  if (!datasets || datasets.length === 0)
    return error ? (
      <div className="error-box" role="alert" data-testid="datasets-error">
        {error}
      </div>
    ) : null;
  const p = busy?.progress;
  return (
    <div className="book-datasets" data-testid="book-datasets">
      <div className="field-label">The book's data sets</div>
      <div className="import-row">
        {datasets.map((d) => (
          <button
            key={d.id}
            type="button"
            data-testid={`dataset-${d.id}`}
            disabled={busy !== null}
            title={`${d.description}\n${d.url}`}
            onClick={() => void use(d)}
          >
            {d.id === 'imdb' ? 'IMDB reviews' : 'Jena climate'}{' '}
            {d.cachedPath ? '(downloaded)' : d.bytes ? `(${formatBytes(d.bytes)})` : ''}
          </button>
        ))}
      </div>
      {busy ? (
        p && p.total ? (
          <UploadProgressBar
            testId="dataset-progress"
            verb={PHASE_VERB[p.phase]}
            progress={{ sent: p.bytes, total: p.total, secondsLeft: p.phase === 'download' ? p.etaSeconds : null }}
          />
        ) : (
          <div className="muted small" data-testid="dataset-progress">
            {p ? `${PHASE_VERB[p.phase]} ${formatBytes(p.bytes)}…` : 'Starting…'}
          </div>
        )
      ) : null}
      {error ? (
        <div className="error-box" role="alert" data-testid="datasets-error">
          {error}
        </div>
      ) : null}
    </div>
  );
}
