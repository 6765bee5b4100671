/**
 * What the studio knows about data files between tab switches: the server's previews by data settings (reading a
 * 400,000-row CSV again for nothing is slow), the last failure (Train reads it instead of asking the server again) and
 * the columns the page read from an uploaded CSV's start before the server previewed it. One DataFilesStore per studio
 * window, held by DataFilesProvider — not module variables, so two studios on a page or two tests never share one.
 */
import { createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import type { ReactNode } from 'react';
import type { DataPreview } from '../../shared/api.js';
import type { DataSpec } from '../../shared/model-spec.js';
import { useApi } from '../api/studio-client.js';
import { errorMessage } from '../api/errors.js';
import type { ColumnKinds } from './csv-sniff.js';

export type PreviewState =
  | { status: 'none' }
  | { status: 'loading'; previous: DataPreview | null }
  | { status: 'ready'; preview: DataPreview }
  | { status: 'error'; message: string };

const CACHE_LIMIT = 20;

export type SniffedColumns = ColumnKinds & { header: string[] };

export class DataFilesStore {
  private readonly previews = new Map<string, DataPreview>();
  private lastPreview: DataPreview | null = null;
  /** The data settings whose last preview failed, and why. */
  private failed: { key: string; message: string } | null = null;
  private readonly failedListeners = new Set<() => void>();
  /** Columns of uploaded CSVs by path, read in the page before the server has previewed them. */
  readonly sniffed = new Map<string, SniffedColumns>();

  remember(key: string, preview: DataPreview): void {
    this.previews.set(key, preview);
    if (this.previews.size > CACHE_LIMIT) this.previews.delete(this.previews.keys().next().value!);
    this.lastPreview = preview;
    if (this.failed?.key === key) this.setFailed(null);
  }

  stateOf(key: string | null): PreviewState {
    if (!key) return { status: 'none' };
    const hit = this.previews.get(key);
    return hit ? { status: 'ready', preview: hit } : { status: 'loading', previous: this.lastPreview };
  }

  has(key: string): boolean {
    return this.previews.has(key);
  }

  /** Forgets cached previews (after a re-upload the same settings may read different bytes). */
  forget(): void {
    this.previews.clear();
  }

  setFailed(next: { key: string; message: string } | null): void {
    if (this.failed?.key === next?.key && this.failed?.message === next?.message) return;
    this.failed = next;
    for (const l of this.failedListeners) l();
  }

  readonly subscribeFailed = (l: () => void): (() => void) => {
    this.failedListeners.add(l);
    return () => this.failedListeners.delete(l);
  };

  readonly getFailed = (): { key: string; message: string } | null => this.failed;
}

const DataFilesContext = createContext<DataFilesStore | null>(null);

export function DataFilesProvider({ children }: { children: ReactNode }) {
  const [store] = useState(() => new DataFilesStore());
  return <DataFilesContext.Provider value={store}>{children}</DataFilesContext.Provider>;
}

export function useDataFiles(): DataFilesStore {
  const s = useContext(DataFilesContext);
  if (!s) throw new Error('DataFilesProvider is missing above this component.');
  return s;
}

/** The server's preview of the data settings, re-read (debounced) when they change. */
export function useDataPreview(data: DataSpec | undefined, debounceMs = 300): PreviewState {
  const api = useApi();
  const store = useDataFiles();
  const key = data && data.path ? JSON.stringify(data) : null;
  const [state, setState] = useState<PreviewState>(() => store.stateOf(key));

  useEffect(() => {
    if (!key) {
      setState({ status: 'none' });
      return;
    }
    if (store.has(key)) {
      setState(store.stateOf(key));
      return;
    }
    setState(store.stateOf(key));
    let live = true;
    const timer = setTimeout(() => {
      api.previewData({ data: JSON.parse(key) as DataSpec }).then(
        (preview) => {
          store.remember(key, preview);
          if (live) setState({ status: 'ready', preview });
        },
        (e: unknown) => {
          // Errors are not cached: the file may be fixed, or the link may have dropped, before the next look.
          const message = errorMessage(e);
          store.setFailed({ key, message });
          if (live) setState({ status: 'error', message });
        },
      );
    }, debounceMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, store, key, debounceMs]);

  return state;
}

/** Why the preview of these data settings failed, while that is the last word on them; null otherwise. */
export function usePreviewError(data: DataSpec | undefined): string | null {
  const store = useDataFiles();
  const key = data && data.path ? JSON.stringify(data) : null;
  const current = useSyncExternalStore(store.subscribeFailed, store.getFailed);
  return current && current.key === key ? current.message : null;
}
