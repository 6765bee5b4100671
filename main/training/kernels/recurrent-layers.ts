/**
 * The studio's recurrent layer classes: TF.js's SimpleRNN, LSTM and Bidirectional (and keras-gru.ts's GRU) with a
 * call that takes the fused kernels once accelerateModel (fused-rnn.ts) has routed them, and TF.js's own call
 * otherwise. They keep TF.js's class names, configs and weights, and are registered under those names, so every
 * layer built (layer-factories.ts), loaded or rebuilt inside a Bidirectional from its config in this process is one
 * of them, and a saved model reads the same in Keras and TF.js.
 */
import * as tf from '@tensorflow/tfjs';
import { pairedCall, routedCall } from './fused-rnn.js';
import type { DirectionPair, LayerRoute, RoutableLayer } from './fused-rnn.js';

type Kwargs = Record<string, unknown>;
// TypeScript's mixin pattern: a base class constructor taking any arguments.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RecurrentClass = new (...args: any[]) => tf.layers.RNN;

/** `Base` (a TF.js recurrent layer class) with the routed call. */
export function acceleratable<B extends RecurrentClass>(Base: B) {
  return class extends Base {
    route: LayerRoute | null = null;

    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
      return routedCall(this as unknown as RoutableLayer, this.route, inputs, kwargs) ?? super.call(inputs, kwargs);
    }
  };
}

// TF.js's own classes, read from its registry before ours replace them there (TF.js does not export them by name).
const tfjsClass = (name: string) =>
  tf.serialization.SerializationMap.getMap().classNameMap[name]![0] as unknown as RecurrentClass;
const TfjsSimpleRNN = tfjsClass('SimpleRNN');
const TfjsLSTM = tfjsClass('LSTM');
const TfjsBidirectional = tfjsClass('Bidirectional') as unknown as new (args: Kwargs) => BidirectionalBase;

export class SimpleRNN extends acceleratable(TfjsSimpleRNN) {
  static className = 'SimpleRNN';
}

export class LSTM extends acceleratable(TfjsLSTM) {
  static className = 'LSTM';
}

interface BidirectionalBase extends tf.layers.Layer {
  forwardLayer: RoutableLayer;
  backwardLayer: RoutableLayer;
  returnSequences: boolean;
  mergeMode: 'sum' | 'mul' | 'concat' | 'ave' | null | undefined;
}

export class Bidirectional extends TfjsBidirectional {
  static className = 'Bidirectional';
  pair: DirectionPair | null = null;

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const both = pairedCall(this, this.pair, inputs, kwargs);
      if (!both) return super.call(inputs, kwargs);
      // TF.js's Bidirectional.call from here: the backward sequence back in input order, then the merge.
      const [y, backward] = both;
      const yRev = this.returnSequences ? tf.reverse(backward, 1) : backward;
      switch (this.mergeMode) {
        case 'concat':
          return tf.concat([y, yRev], -1);
        case 'sum':
          return tf.add(y, yRev);
        case 'ave':
          return tf.mul(0.5, tf.add(y, yRev));
        case 'mul':
          return tf.mul(y, yRev);
        default:
          return [y, yRev];
      }
    });
  }
}

for (const cls of [SimpleRNN, LSTM, Bidirectional]) tf.serialization.registerClass(cls as never);

export const simpleRNN = (args: Kwargs): tf.layers.Layer => new SimpleRNN(args);
export const lstm = (args: Kwargs): tf.layers.Layer => new LSTM(args);
export const bidirectional = (args: Kwargs): tf.layers.Layer => new Bidirectional(args);
/** The factories layer-factories.ts builds these kinds with. */
export const recurrentLayers = { simpleRNN, lstm, bidirectional };
