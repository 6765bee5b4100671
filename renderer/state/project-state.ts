/**
 * The open project: its spec (what every panel edits), name, saved id and an undo history. A pure reducer, so the
 * rules (what counts as unsaved, how typing in one field becomes one undo step) are tested without a DOM.
 */
import type { ModelSpec } from '../../shared/model-spec.js';

const HISTORY_LIMIT = 100;
/** Edits of the same field closer together than this become one undo step (typing "128" is one change). */
const COALESCE_MS = 1000;

export interface ProjectState {
  spec: ModelSpec;
  name: string;
  /** Null until the project is saved ("Save" then asks for a name). */
  projectId: string | null;
  /** {name, spec} as last loaded or saved; the project is dirty when it differs. */
  savedSnapshot: string;
  past: ModelSpec[];
  future: ModelSpec[];
  lastEdit: { key: string; at: number } | null;
  /** Increments on every load, so views can drop state that belonged to the previous project (selection). */
  loadCount: number;
}

export type ProjectAction =
  | { type: 'load'; spec: ModelSpec; name: string; projectId: string | null }
  | { type: 'edit'; update: (spec: ModelSpec) => ModelSpec; coalesceKey?: string; at: number }
  | { type: 'saved'; projectId: string; name: string; spec: ModelSpec }
  | { type: 'undo' }
  | { type: 'redo' };

export function snapshotOf(name: string, spec: ModelSpec): string {
  return JSON.stringify({ name, spec });
}

export function initialProjectState(spec: ModelSpec, name: string, projectId: string | null = null): ProjectState {
  return {
    spec,
    name,
    projectId,
    savedSnapshot: snapshotOf(name, spec),
    past: [],
    future: [],
    lastEdit: null,
    loadCount: 0,
  };
}

export function isDirty(state: ProjectState): boolean {
  return snapshotOf(state.name, state.spec) !== state.savedSnapshot;
}

export function projectReducer(state: ProjectState, action: ProjectAction): ProjectState {
  switch (action.type) {
    case 'load':
      return { ...initialProjectState(action.spec, action.name, action.projectId), loadCount: state.loadCount + 1 };
    case 'edit': {
      const spec = action.update(state.spec);
      if (spec === state.spec) return state;
      const coalesce =
        action.coalesceKey !== undefined &&
        state.lastEdit?.key === action.coalesceKey &&
        action.at - state.lastEdit.at < COALESCE_MS;
      const past = coalesce ? state.past : [...state.past, state.spec].slice(-HISTORY_LIMIT);
      return {
        ...state,
        spec,
        past,
        future: [],
        lastEdit: action.coalesceKey !== undefined ? { key: action.coalesceKey, at: action.at } : null,
      };
    }
    case 'saved':
      return {
        ...state,
        projectId: action.projectId,
        name: action.name,
        spec: action.spec,
        savedSnapshot: snapshotOf(action.name, action.spec),
        lastEdit: null,
      };
    case 'undo': {
      const prev = state.past[state.past.length - 1];
      if (!prev) return state;
      return {
        ...state,
        spec: prev,
        past: state.past.slice(0, -1),
        future: [state.spec, ...state.future],
        lastEdit: null,
      };
    }
    case 'redo': {
      const [next, ...rest] = state.future;
      if (!next) return state;
      return { ...state, spec: next, past: [...state.past, state.spec], future: rest, lastEdit: null };
    }
    default: {
      const never: never = action;
      throw new Error(`unknown project action ${JSON.stringify(never)}`);
    }
  }
}

/** What File > New starts from: an empty stack on token input, no data yet. */
export function blankSpec(): ModelSpec {
  return {
    format: 1,
    name: 'untitled',
    input: { kind: 'tokens', vocabSize: 10000, length: 100 },
    layers: [],
    training: {
      optimizer: 'rmsprop',
      learningRate: 0.001,
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
      batchSize: 128,
      epochs: 10,
      seed: 1337,
    },
  };
}
