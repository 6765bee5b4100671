import { createContext, useCallback, useContext, useMemo, useReducer } from 'react';
import type { ReactNode } from 'react';
import type { ModelSpec } from '../../shared/model-spec.js';
import { analyzeModel } from '../../shared/shape-inference.js';
import type { ModelAnalysis } from '../../shared/shape-inference.js';
import { ensureLayerIds } from './spec-edits.js';
import { blankSpec, initialProjectState, isDirty, projectReducer } from './project-state.js';
import type { ProjectState } from './project-state.js';

export interface ProjectContextValue {
  state: ProjectState;
  spec: ModelSpec;
  /** Shapes, parameter counts and issues of the current spec, recomputed on every edit. */
  analysis: ModelAnalysis;
  dirty: boolean;
  canUndo: boolean;
  canRedo: boolean;
  /** Applies a pure edit; edits sharing a `coalesceKey` in quick succession are one undo step. */
  edit(update: (spec: ModelSpec) => ModelSpec, coalesceKey?: string): void;
  load(spec: ModelSpec, name: string, projectId: string | null): void;
  markSaved(projectId: string, name: string, spec: ModelSpec): void;
  undo(): void;
  redo(): void;
}

const ProjectContext = createContext<ProjectContextValue | null>(null);

export function ProjectProvider({ children }: { children: ReactNode }) {
  const [state, dispatch] = useReducer(projectReducer, undefined, () =>
    initialProjectState(ensureLayerIds(blankSpec()), 'untitled'),
  );
  const analysis = useMemo(() => analyzeModel(state.spec), [state.spec]);
  const edit = useCallback((update: (spec: ModelSpec) => ModelSpec, coalesceKey?: string) => {
    dispatch({
      type: 'edit',
      update: (s) => ensureLayerIds(update(s)),
      at: Date.now(),
      ...(coalesceKey !== undefined ? { coalesceKey } : {}),
    });
  }, []);
  const load = useCallback((spec: ModelSpec, name: string, projectId: string | null) => {
    dispatch({ type: 'load', spec: ensureLayerIds(spec), name, projectId });
  }, []);
  const markSaved = useCallback(
    (projectId: string, name: string, spec: ModelSpec) => dispatch({ type: 'saved', projectId, name, spec }),
    [],
  );
  const undo = useCallback(() => dispatch({ type: 'undo' }), []);
  const redo = useCallback(() => dispatch({ type: 'redo' }), []);
  const value = useMemo<ProjectContextValue>(
    () => ({
      state,
      spec: state.spec,
      analysis,
      dirty: isDirty(state),
      canUndo: state.past.length > 0,
      canRedo: state.future.length > 0,
      edit,
      load,
      markSaved,
      undo,
      redo,
    }),
    [state, analysis, edit, load, markSaved, undo, redo],
  );
  return <ProjectContext.Provider value={value}>{children}</ProjectContext.Provider>;
}

export function useProject(): ProjectContextValue {
  const p = useContext(ProjectContext);
  if (!p) throw new Error('ProjectProvider is missing above this component.');
  return p;
}
