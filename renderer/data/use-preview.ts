import { useEffect, useState, useSyncExternalStore } from 'react';
import type { DataPreview } from '../../shared/api.js';
import type { DataSpec } from '../../shared/model-spec.js';
import { useApi } from '../api/studio-client.js';
import { errorMessage } from '../api/errors.js';

export type PreviewState =
  | { status: 'none' }
  | { status: 'loading'; previous: DataPreview | null }
  | { status: 'ready'; preview: DataPreview }
  | { status: 'error'; message: string };

// Previews by data settings, kept across tab switches: reading a 400,000-row CSV again for nothing is slow.
const cache = new Map<string, { preview: DataPreview }>();
const CACHE_LIMIT = 20;
let lastPreview: DataPreview | null = null;
/**
 * The data settings whose last preview failed, and why: Train reads it (usePreviewError) instead of asking the server
 * again, so a file the preview cannot read blocks training with the same message the data panel shows.
 */
let failed: { key: string; message: string } | null = null;
const failedListeners = new Set<() => void>();
function setFailed(next: { key: string; message: string } | null): void {
  if (failed?.key === next?.key && failed?.message === next?.message) return;
  failed = next;
  for (const l of failedListeners) l();
}

/** The server's preview of the data settings, re-read (debounced) when they change. */
export function useDataPreview(data: DataSpec | undefined, debounceMs = 300): PreviewState {
  const api = useApi();
  const key = data && data.path ? JSON.stringify(data) : null;
  const [state, setState] = useState<PreviewState>(() => stateFromCache(key));

  useEffect(() => {
    if (!key) {
      setState({ status: 'none' });
      return;
    }
    const cached = cache.get(key);
    if (cached) {
      setState(stateFromCache(key));
      return;
    }
    setState({ status: 'loading', previous: lastPreview });
    let live = true;
    const timer = setTimeout(() => {
      api.previewData({ data: JSON.parse(key) as DataSpec }).then(
        (preview) => {
          remember(key, { preview });
          lastPreview = preview;
          if (failed?.key === key) setFailed(null);
          if (live) setState({ status: 'ready', preview });
        },
        (e: unknown) => {
          // Errors are not cached: the file may be fixed, or the link may have dropped, before the next look.
          const message = errorMessage(e);
          setFailed({ key, message });
          if (live) setState({ status: 'error', message });
        },
      );
    }, debounceMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, key, debounceMs]);

  return state;
}

function remember(key: string, value: { preview: DataPreview }) {
  cache.set(key, value);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
}

function stateFromCache(key: string | null): PreviewState {
  if (!key) return { status: 'none' };
  const hit = cache.get(key);
  return hit ? { status: 'ready', preview: hit.preview } : { status: 'loading', previous: lastPreview };
}

/** Forgets cached previews of a path (after a re-upload the same settings may read different bytes). */
export function forgetPreviews(): void {
  cache.clear();
}

/** Why the preview of these data settings failed, while that is the last word on them; null otherwise. */
export function usePreviewError(data: DataSpec | undefined): string | null {
  const key = data && data.path ? JSON.stringify(data) : null;
  const current = useSyncExternalStore(
    (l) => {
      failedListeners.add(l);
      return () => failedListeners.delete(l);
    },
    () => failed,
  );
  return current && current.key === key ? current.message : null;
}
