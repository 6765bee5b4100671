import { useEffect, useState } from 'react';
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
          if (live) setState({ status: 'ready', preview });
        },
        (e: unknown) => {
          // Errors are not cached: the file may be fixed, or the link may have dropped, before the next look.
          if (live) setState({ status: 'error', message: errorMessage(e) });
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
