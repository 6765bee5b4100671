/**
 * Keras 3's GRU in TF.js: both reset variants. TF.js's GRUCell refuses reset_after=True (tfjs#4621), Keras 3's
 * default, so a Keras user's GRU could not come in with its weights, and the studio could not train what Keras trains
 * by default. These classes take TF.js's GRU and GRUCell and add the variant: the cell's bias becomes [2, 3·units]
 * (input row, recurrent row, as Keras stores it) and its step is Keras's (main/training/kernels/keras-recurrence.ts,
 * which also masks recurrent dropout as Keras does). They are registered under TF.js's own class names, "GRU" and
 * "GRUCell", so every GRU built, loaded or wrapped in Bidirectional (which rebuilds its backward layer from the
 * config) in this process is one of them; reset_after=False keeps TF.js's weights and results. The layer takes the
 * fused kernels once accelerateModel routes it (kernels/recurrent-layers.ts, as the other recurrent layers do).
 *
 * Import this module before building or loading a model (build-model.ts and save-model.ts do).
 */
import * as tf from '@tensorflow/tfjs';
import { acceleratable, kerasCellOf, kerasCellStep } from './kernels/index.js';
import type { StepMasks } from './kernels/index.js';
import { dropoutMaskCounts } from '../../shared/memory-estimate.js';

type Args = Record<string, unknown> & { units: number; resetAfter?: boolean };
type Shape = (number | null)[];
interface LayerVariable {
  read(): tf.Tensor;
}
interface ActivationLike {
  apply(x: tf.Tensor): tf.Tensor;
}
interface GRUCellBase extends tf.layers.Layer {
  units: number;
  useBias: boolean;
  dropout: number;
  recurrentDropout: number;
  kernel: LayerVariable;
  recurrentKernel: LayerVariable;
  bias: LayerVariable | null;
  activation: ActivationLike;
  recurrentActivation: ActivationLike;
  kernelInitializer: unknown;
  recurrentInitializer: unknown;
  biasInitializer: unknown;
  kernelRegularizer: unknown;
  recurrentRegularizer: unknown;
  biasRegularizer: unknown;
  kernelConstraint: unknown;
  recurrentConstraint: unknown;
  biasConstraint: unknown;
  dropoutMask: tf.Tensor[] | null;
  recurrentDropoutMask: tf.Tensor[] | null;
  getConfig(): tf.serialization.ConfigDict;
}
/** Layer.addWeight, protected in TF.js's typings. */
type AddWeight = (
  name: string,
  shape: Shape,
  dtype: null,
  initializer: unknown,
  regularizer: unknown,
  trainable: boolean,
  constraint: unknown,
) => LayerVariable;
type Ctor<T> = new (args: Args) => T;

// The classes TF.js registers; they are not exported by name, so they are taken from an instance.
const TfjsGRUCell = Object.getPrototypeOf(tf.layers.gruCell({ units: 1 })).constructor as Ctor<GRUCellBase>;
const TfjsGRU = Object.getPrototypeOf(tf.layers.gru({ units: 1 })).constructor as Ctor<
  tf.layers.RNN & { cell: GRUCellBase }
>;

export class KerasGRUCell extends TfjsGRUCell {
  static className = 'GRUCell';
  readonly resetAfter: boolean;

  constructor(args: Args) {
    super({ ...args, resetAfter: false });
    this.resetAfter = args.resetAfter === true;
  }

  override build(inputShape: Shape | Shape[]): void {
    if (!this.resetAfter) {
      super.build(inputShape as never);
      return;
    }
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const inputDim = shape[shape.length - 1]!;
    const addWeight = (this as unknown as { addWeight: AddWeight }).addWeight.bind(this);
    this.kernel = addWeight(
      'kernel',
      [inputDim, this.units * 3],
      null,
      this.kernelInitializer,
      this.kernelRegularizer,
      true,
      this.kernelConstraint,
    );
    this.recurrentKernel = addWeight(
      'recurrent_kernel',
      [this.units, this.units * 3],
      null,
      this.recurrentInitializer,
      this.recurrentRegularizer,
      true,
      this.recurrentConstraint,
    );
    this.bias = this.useBias
      ? addWeight(
          'bias',
          [2, this.units * 3],
          null,
          this.biasInitializer,
          this.biasRegularizer,
          true,
          this.biasConstraint,
        )
      : null;
    this.built = true;
  }

  /** One timestep, Keras's arithmetic (inputs: [x_t, h₋₁]); dropout masks drawn once per sequence, as Keras does. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor[] {
    return tf.tidy(() => {
      const [x, h] = inputs as tf.Tensor[];
      const training = kwargs.training === true;
      const rate = (r: number) => (r > 0 && r < 1 ? r : 0);
      const counts = dropoutMaskCounts('GRU', rate(this.dropout), rate(this.recurrentDropout));
      const draw = (like: tf.Tensor, r: number, count: number) =>
        Array.from({ length: count }, () => tf.keep(tf.dropout(tf.onesLike(like), r)));
      if (training && counts.input && this.dropoutMask == null) this.dropoutMask = draw(x!, this.dropout, counts.input);
      if (training && counts.recurrent && this.recurrentDropoutMask == null)
        this.recurrentDropoutMask = draw(h!, this.recurrentDropout, counts.recurrent);
      const masks: StepMasks = training
        ? { input: this.dropoutMask, recurrent: this.recurrentDropoutMask }
        : { input: null, recurrent: null };
      const next = kerasCellStep(kerasCellOf(this, 'GRU', { returnSequences: false, goBackwards: false }))(
        x!,
        { h: h!, c: h! },
        masks,
      );
      return [next.h, next.h];
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), resetAfter: this.resetAfter };
  }
}

export class KerasGRU extends acceleratable(TfjsGRU) {
  static className = 'GRU';

  constructor(args: Args) {
    // TF.js's constructor builds its own cell (and would refuse resetAfter): ours replaces it before first use.
    super({ ...args, resetAfter: false });
    (this as { cell: GRUCellBase }).cell = new KerasGRUCell(args);
  }

  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config);
  }
}

tf.serialization.registerClass(KerasGRUCell as never);
tf.serialization.registerClass(KerasGRU as never);

/** A GRU layer with Keras's semantics (either reset variant). */
export function kerasGRU(args: Args): tf.layers.RNN {
  return new KerasGRU(args);
}
