/**
 * One-click repairs for the issues whose fix is unambiguous. The message stays Keras's; the button only saves the
 * user from finding the field the message names.
 */
import type { ModelAnalysis, SpecIssue } from '../../shared/shape-inference.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { setLayerParam } from './spec-edits.js';
import { syncSeriesInputShape } from '../data/data-edits.js';

export interface QuickFix {
  label: string;
  apply: (spec: ModelSpec) => ModelSpec;
}

export function quickFixFor(issue: SpecIssue, spec: ModelSpec, analysis: ModelAnalysis): QuickFix | null {
  const seq = /Set returnSequences: true on "([^"]+)"/.exec(issue.message);
  if (seq) {
    const name = seq[1]!;
    const target = analysis.layers.find((l) => l.name === name || l.innerName === name);
    if (!target) return null;
    const inner = target.className === 'Bidirectional';
    return { label: `Set returnSequences on "${name}"`, apply: (s) => setLayerParam(s, target.index, 'returnSequences', true, inner) };
  }
  const inputDim = /^layers\.(\d+)\.config\.inputDim$/.exec(issue.path);
  if (inputDim && spec.input.kind === 'tokens' && /at least the input vocabulary size/.test(issue.message)) {
    const index = Number(inputDim[1]);
    const vocab = spec.input.vocabSize;
    return { label: `Set inputDim to ${vocab}`, apply: (s) => setLayerParam(s, index, 'inputDim', vocab) };
  }
  if ((issue.path === 'input.timesteps' || issue.path === 'input.features') && spec.data?.kind === 'timeseries') {
    return { label: 'Match the input to the data settings', apply: (s) => syncSeriesInputShape(s) };
  }
  return null;
}
