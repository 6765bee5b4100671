/**
 * One-click repairs for the issues whose fix is unambiguous. The message stays Keras's; the button only saves the
 * user from finding the field the message names.
 */
import type { LayerInfo, ModelAnalysis, SpecIssue } from '../../shared/shape-inference.js';
import { categoryOf, layerDef, MERGE_MODES, POOLING_CLASS } from '../../shared/layer-catalog.js';
import { isBidirectional } from '../../shared/model-spec.js';
import type { LayerSpec, ModelSpec } from '../../shared/model-spec.js';
import { createLayer, insertLayer, setLayerParam } from '../state/spec-edits.js';
import { syncSeriesInputShape } from '../data/data-edits.js';
import { setLoss } from '../state/training-edits.js';

export interface QuickFix {
  label: string;
  apply: (spec: ModelSpec) => ModelSpec;
}

/** Layers whose output is a sequence-consumer's: recurrent ones and their wrappers. */
const isSequenceLayer = (className: string): boolean => ['recurrent', 'wrapper'].includes(categoryOf(className));
/** The output layer kind (Dense): the one whose activation the loss checks. */
const isOutputKind = (className: string | undefined): boolean =>
  className !== undefined && layerDef(className)?.activationIsOutput === true;

/**
 * Every one-click fix for an issue: for a model that still outputs a sequence at the end, both Keras remedies —
 * return only the last step from the last recurrent layer, or pool over time before the Dense output.
 */
export function quickFixesFor(issue: SpecIssue, spec: ModelSpec, analysis: ModelAnalysis): QuickFix[] {
  if (/^The model must output one vector per sample/.test(issue.message)) {
    const fixes: QuickFix[] = [];
    const lastRecurrent = [...analysis.layers].reverse().find((l) => isSequenceLayer(l.className));
    if (lastRecurrent) {
      const layer = spec.layers[lastRecurrent.index];
      const inner = layer !== undefined && isBidirectional(layer);
      const seq = inner ? layer.layer.config?.returnSequences : layer?.config?.returnSequences;
      const between = analysis.layers.slice(lastRecurrent.index + 1);
      // Only when nothing after it needs the sequence (no further recurrent layer, no pooling already there).
      if (seq === true && between.every((l) => categoryOf(l.className) === 'core')) {
        const name = lastRecurrent.innerName ?? lastRecurrent.name;
        fixes.push({
          label: `Set returnSequences: false on "${name}"`,
          apply: (s) => setLayerParam(s, lastRecurrent.index, 'returnSequences', false, inner),
        });
      }
    }
    // Pool over time right before the first Dense that receives the sequence, but only below the last layer that
    // needs a sequence (recurrent, Bidirectional, pooling): a Dense above a Bidirectional dropped under it is not the
    // output, and pooling there would starve the recurrent layer below of its timesteps.
    const lastSequenceUser = Math.max(
      -1,
      ...analysis.layers
        .filter((l) => isSequenceLayer(l.className) || categoryOf(l.className) === 'reshape')
        .map((l) => l.index),
    );
    const firstDense = analysis.layers.find(
      (l) => l.index > lastSequenceUser && isOutputKind(l.className) && l.inputShape?.length === 2,
    );
    if (firstDense) {
      fixes.push({
        label: `Add ${POOLING_CLASS} before "${firstDense.name}"`,
        apply: (s) => insertLayer(s, firstDense.index, createLayer(POOLING_CLASS, s)),
      });
    }
    return fixes;
  }
  const one = quickFixFor(issue, spec, analysis);
  return one ? [one] : [];
}

/**
 * What a Bidirectional layer's merge mode does to the shape, in words, e.g. "concat: forward 32 + backward 32 →
 * 64 features"; null for other layers.
 */
export function mergeModeNote(layer: LayerSpec | undefined, info: LayerInfo | undefined): string | null {
  if (!layer || !isBidirectional(layer) || !info?.outputShape) return null;
  const units = Number(layer.layer.config?.units ?? NaN);
  if (!Number.isFinite(units)) return null;
  const mode = layer.config?.mergeMode ?? 'concat';
  const what =
    mode === 'concat'
      ? `forward ${units} + backward ${units} side by side → ${2 * units} features`
      : mode === 'sum'
        ? `forward + backward added element-wise → ${units} features`
        : mode === 'mul'
          ? `forward × backward element-wise → ${units} features`
          : `mean of forward and backward → ${units} features`;
  const seq = layer.layer.config?.returnSequences === true ? ' at every timestep' : '';
  return `${mode}: ${what}${seq}; other modes: ${MERGE_MODES.filter((m) => m !== mode)
    .map((m) => `${m} → ${m === 'concat' ? 2 * units : units}`)
    .join(', ')}.`;
}

export function quickFixFor(issue: SpecIssue, spec: ModelSpec, analysis: ModelAnalysis): QuickFix | null {
  const seq = /Set returnSequences: true on "([^"]+)"/.exec(issue.message);
  if (seq) {
    const name = seq[1]!;
    const target = analysis.layers.find((l) => l.name === name || l.innerName === name);
    if (!target) return null;
    const inner = categoryOf(target.className) === 'wrapper';
    return {
      label: `Set returnSequences on "${name}"`,
      apply: (s) => setLayerParam(s, target.index, 'returnSequences', true, inner),
    };
  }
  const inputDim = /^layers\.(\d+)\.config\.inputDim$/.exec(issue.path);
  if (inputDim && spec.input.kind === 'tokens' && /at least the input vocabulary size/.test(issue.message)) {
    const index = Number(inputDim[1]);
    const vocab = spec.input.vocabSize;
    return { label: `Set inputDim to ${vocab}`, apply: (s) => setLayerParam(s, index, 'inputDim', vocab) };
  }
  // A classifier's loss on a forecaster: the remedy is the loss, not a sigmoid that would squash every forecast into (0, 1).
  if (
    /^(binaryCrossentropy|sparseCategoricalCrossentropy) expects the last layer/.test(issue.message) &&
    spec.data?.kind === 'timeseries'
  ) {
    return { label: 'Use meanAbsoluteError (forecasting)', apply: (s) => setLoss(s, 'meanAbsoluteError') };
  }
  if (
    /^binaryCrossentropy expects the last layer/.test(issue.message) &&
    issue.layerIndex !== null &&
    isOutputKind(spec.layers[issue.layerIndex]?.className)
  ) {
    const index = issue.layerIndex;
    return {
      label: 'Make it Dense(1, sigmoid)',
      apply: (s) => setLayerParam(setLayerParam(s, index, 'units', 1), index, 'activation', 'sigmoid'),
    };
  }
  if ((issue.path === 'input.timesteps' || issue.path === 'input.features') && spec.data?.kind === 'timeseries') {
    return { label: 'Match the input to the data settings', apply: (s) => syncSeriesInputShape(s) };
  }
  return null;
}
