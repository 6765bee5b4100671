import type { LossName, ModelSpec, TrainingSpec } from '../../shared/model-spec.js';
import { defaultMetrics } from '../../shared/training-catalog.js';

type EarlyStopping = NonNullable<TrainingSpec['earlyStopping']>;

/** Patches spec.training; keys set to undefined are removed (their Keras default applies again). */
export function setTraining(spec: ModelSpec, patch: Partial<TrainingSpec>): ModelSpec {
  const training: TrainingSpec = { ...(spec.training ?? {}), ...patch };
  for (const key of Object.keys(patch) as (keyof TrainingSpec)[]) if (patch[key] === undefined) delete training[key];
  return { ...spec, training };
}

/** Changing the loss brings the matching metric along, and an early-stopping monitor the new run will log. */
export function setLoss(spec: ModelSpec, loss: LossName): ModelSpec {
  const metrics = defaultMetrics(loss);
  const es = spec.training?.earlyStopping;
  const monitor = es?.monitor;
  const logged = new Set(['loss', 'val_loss', ...metrics, ...metrics.map((m) => `val_${m}`)]);
  const earlyStopping = es && monitor && !logged.has(monitor) ? { ...es, monitor: 'val_loss' } : es;
  return setTraining(spec, { loss, metrics, ...(earlyStopping !== es ? { earlyStopping } : {}) });
}

export function setEarlyStopping(spec: ModelSpec, patch: Partial<EarlyStopping> | null): ModelSpec {
  if (patch === null) return setTraining(spec, { earlyStopping: null });
  const current: EarlyStopping = spec.training?.earlyStopping ?? {
    monitor: 'val_loss',
    patience: 3,
    restoreBestWeights: true,
  };
  return setTraining(spec, { earlyStopping: { ...current, ...patch } });
}
