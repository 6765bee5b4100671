/**
 * Renders real components inside the app's real providers (client, toasts, project, studio state), as app.tsx wires
 * them, with an in-memory StudioApi in place of the Electron or WebSocket host. Its calls are recorded and never
 * answer: the panels under test edit the project's spec, which lives in the renderer, and no back end is involved.
 */
import { useEffect, useLayoutEffect, useRef } from 'react';
import type { ReactElement, ReactNode } from 'react';
import { render } from '@testing-library/react';
import type { RenderResult } from '@testing-library/react';
import type { ApiMethod, StudioApi, StudioEvent } from '../../shared/api.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { StudioClientProvider } from '../api/studio-client.js';
import { ToastProvider } from '../components/toasts.js';
import { ProjectProvider, useProject } from '../state/project-context.js';
import { StudioStateProvider } from '../state/studio-state.js';
import { ServerInfoProvider } from '../api/server-info.js';
import { DataFilesProvider } from '../data/use-preview.js';

export interface FakeApi {
  api: StudioApi;
  /** Every call made so far: method and parameters. */
  calls: { method: ApiMethod; params: unknown }[];
  listeners: Set<(event: StudioEvent) => void>;
}

/** A StudioApi whose calls stay pending (so no answer lands outside act()); onEvent works. */
export function fakeApi(): FakeApi {
  const calls: FakeApi['calls'] = [];
  const listeners = new Set<(event: StudioEvent) => void>();
  const onEvent = (listener: (event: StudioEvent) => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  const api = new Proxy({ onEvent } as unknown as StudioApi, {
    get(target, key) {
      if (key === 'onEvent') return target.onEvent;
      if (typeof key !== 'string' || key === 'then') return undefined;
      return (params: unknown) => {
        calls.push({ method: key as ApiMethod, params });
        return new Promise(() => {});
      };
    },
  });
  return { api, calls, listeners };
}

/** Loads `spec` as an opened project would be, before the first paint, and reports every spec the project takes. */
function ProjectProbe({
  spec,
  onSpec,
  children,
}: {
  spec: ModelSpec | undefined;
  onSpec: (spec: ModelSpec) => void;
  children: ReactNode;
}) {
  const project = useProject();
  const loaded = useRef(false);
  useLayoutEffect(() => {
    if (loaded.current || !spec) return;
    loaded.current = true;
    project.load(spec, spec.name, null);
  }, [project, spec]);
  useEffect(() => onSpec(project.spec), [project.spec, onSpec]);
  return <>{children}</>;
}

export interface StudioRender extends RenderResult {
  fake: FakeApi;
  /** The project's spec as of the last render. */
  spec(): ModelSpec;
}

export function renderInStudio(ui: ReactElement, options: { spec?: ModelSpec } = {}): StudioRender {
  const fake = fakeApi();
  let current: ModelSpec | null = null;
  const onSpec = (spec: ModelSpec) => {
    current = spec;
  };
  const result = render(
    <StudioClientProvider api={fake.api}>
      <ToastProvider>
        <ProjectProvider>
          <ProjectProbe spec={options.spec} onSpec={onSpec}>
            <ServerInfoProvider>
              <DataFilesProvider>
                <StudioStateProvider>{ui}</StudioStateProvider>
              </DataFilesProvider>
            </ServerInfoProvider>
          </ProjectProbe>
        </ProjectProvider>
      </ToastProvider>
    </StudioClientProvider>,
  );
  return {
    ...result,
    fake,
    spec: () => {
      if (!current) throw new Error('the project has not rendered');
      return current;
    },
  };
}
