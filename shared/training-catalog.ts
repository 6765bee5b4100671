/**
 * The training catalog: the optimizers, losses and metrics the studio offers, with their Keras names, each loss's
 * default metrics, and the range of every numeric training setting. The spec types, validation, the training form,
 * the trainer and Keras export / import all read it.
 */

/** Optimizers, with Keras's class name. Hyper-parameters are Keras's defaults (main/training/kernels/optimizer.ts). */
export const OPTIMIZER_DEFS = {
  rmsprop: { kerasClass: 'RMSprop' },
  adam: { kerasClass: 'Adam' },
  sgd: { kerasClass: 'SGD' },
} as const;
export type OptimizerName = keyof typeof OPTIMIZER_DEFS;
export const OPTIMIZERS = Object.keys(OPTIMIZER_DEFS) as readonly OptimizerName[];

export type MetricName = 'accuracy' | 'mae';
export const METRICS: readonly MetricName[] = ['accuracy', 'mae'];

/** Losses, with Keras's name (and the other spellings a Keras file may use) and the metrics logged by default. */
export const LOSS_DEFS = {
  binaryCrossentropy: { keras: 'binary_crossentropy', kerasAliases: ['BinaryCrossentropy'], metrics: ['accuracy'] },
  sparseCategoricalCrossentropy: {
    keras: 'sparse_categorical_crossentropy',
    kerasAliases: ['SparseCategoricalCrossentropy'],
    metrics: ['accuracy'],
  },
  meanSquaredError: { keras: 'mean_squared_error', kerasAliases: ['mse', 'MeanSquaredError'], metrics: ['mae'] },
  meanAbsoluteError: { keras: 'mean_absolute_error', kerasAliases: ['mae', 'MeanAbsoluteError'], metrics: [] },
} as const satisfies Record<string, { keras: string; kerasAliases: readonly string[]; metrics: readonly MetricName[] }>;
export type LossName = keyof typeof LOSS_DEFS;
export const LOSSES = Object.keys(LOSS_DEFS) as readonly LossName[];

/** The metrics a loss logs when the spec names none: accuracy for classifiers, MAE beside MSE. */
export function defaultMetrics(loss: LossName): MetricName[] {
  return [...(LOSS_DEFS[loss]?.metrics ?? [])];
}

/** What early stopping may monitor: every logged loss and metric, on training and validation data. */
export const MONITORS: readonly string[] = ['loss', 'val_loss', 'accuracy', 'val_accuracy', 'mae', 'val_mae'];

/** Numeric training settings, each with the range Keras would accept. */
export const TRAINING_RANGES: Readonly<
  Record<string, { min: number; max: number; int?: boolean; maxExclusive?: boolean; minExclusive?: boolean }>
> = {
  learningRate: { min: 0, max: 10, minExclusive: true },
  batchSize: { min: 1, max: 65_536, int: true },
  epochs: { min: 1, max: 100_000, int: true },
  validationSplit: { min: 0, max: 1, maxExclusive: true },
  clipnorm: { min: 0, max: 1e6, minExclusive: true },
  seed: { min: 0, max: 2 ** 31 - 1, int: true },
};
