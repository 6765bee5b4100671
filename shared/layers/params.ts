/**
 * Parameter building blocks shared by the layer definitions. Parameter names and defaults are Keras's (in TF.js
 * camelCase), except where a comment says why not.
 */
import type { ParamValue } from '../spec-values.js';
import type { ParamDef } from './types.js';

/** Keras's limits on sizes keep absurd specs (units 10^9) from allocating gigabytes before failing. */
export const MAX_UNITS = 65_536;
export const MAX_VOCAB = 5_000_000;

export const ACTIVATIONS = [
  'linear',
  'tanh',
  'sigmoid',
  'hardSigmoid',
  'relu',
  'elu',
  'selu',
  'softmax',
  'softplus',
  'softsign',
  'swish',
] as const;
export const INITIALIZERS = [
  'glorotUniform',
  'glorotNormal',
  'heUniform',
  'heNormal',
  'leCunUniform',
  'leCunNormal',
  'orthogonal',
  'randomUniform',
  'randomNormal',
  'truncatedNormal',
  'zeros',
  'ones',
] as const;

export const rate = (name: string, doc: string): ParamDef => ({
  name,
  kind: 'float',
  default: 0,
  min: 0,
  max: 1,
  maxExclusive: true,
  doc,
});
export const init = (name: string, def: string, doc: string): ParamDef => ({
  name,
  kind: 'enum',
  default: def,
  options: INITIALIZERS,
  doc,
  advanced: true,
});

export const units: ParamDef = {
  name: 'units',
  kind: 'int',
  default: 32,
  min: 1,
  max: MAX_UNITS,
  doc: 'Dimensionality of the output (and hidden state) space.',
};
export const useBias: ParamDef = {
  name: 'useBias',
  kind: 'bool',
  default: true,
  doc: 'Whether the layer uses bias vectors.',
  advanced: true,
};
export const returnSequences: ParamDef = {
  name: 'returnSequences',
  kind: 'bool',
  default: false,
  doc: 'Return the output at every timestep (3-D), needed when another recurrent layer follows; otherwise only the last (2-D).',
};

/** The Keras fields every layer without them writes as null (regularizers and constraints are not offered). */
export function nulls(...keys: string[]): Record<string, null> {
  return Object.fromEntries(keys.map((k) => [k, null]));
}

/** Sets `key` only when `value` is defined (an initializer the file does not name keeps the catalog default). */
export function setDefined(config: Record<string, ParamValue>, key: string, value: ParamValue | undefined): void {
  if (value !== undefined) config[key] = value;
}
