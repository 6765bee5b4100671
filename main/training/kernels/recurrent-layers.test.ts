// Our recurrent layer classes: TF.js's class names and configs, what building, loading and a Bidirectional's rebuild
// from config give, and the only layers accelerateModel routes (a Bidirectional's two directions as one kernel call).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { accelerateModel } from './fused-rnn.js';
import { Bidirectional, LSTM, SimpleRNN, bidirectional, lstm, simpleRNN } from './recurrent-layers.js';
import { KerasGRU, kerasGRU } from '../keras-gru.js';

test("layers built, rebuilt inside a Bidirectional and loaded from JSON are ours, under TF.js's class names", async () => {
  const model = tf.sequential({
    layers: [
      simpleRNN({ units: 2, inputShape: [4, 3], returnSequences: true }),
      bidirectional({ layer: lstm({ units: 3, returnSequences: true }), mergeMode: 'concat' }),
      bidirectional({ layer: kerasGRU({ units: 2, resetAfter: true }), mergeMode: 'ave' }),
    ],
  });
  const copy = await tf.models.modelFromJSON({ modelTopology: model.toJSON(null, false) } as never);
  for (const m of [model, copy]) {
    const [rnn, biLstm, biGru] = m.layers as [SimpleRNN, Bidirectional, Bidirectional];
    assert.ok(rnn instanceof SimpleRNN && biLstm instanceof Bidirectional && biGru instanceof Bidirectional);
    assert.ok(biLstm.forwardLayer instanceof LSTM && biLstm.backwardLayer instanceof LSTM);
    assert.ok(biGru.forwardLayer instanceof KerasGRU && biGru.backwardLayer instanceof KerasGRU);
    assert.deepEqual(
      m.layers.map((l) => l.getClassName()),
      ['SimpleRNN', 'Bidirectional', 'Bidirectional'],
    );
    assert.ok(accelerateModel(m).every((p) => p.fused));
    assert.ok(biLstm.pair && biGru.pair, 'both Bidirectional layers run their two directions as one kernel call');
  }
  assert.deepEqual(copy.toJSON(null, false), model.toJSON(null, false));
  model.dispose();
  copy.dispose();
});

test("a layer of TF.js's own class keeps TF.js's path, saying why", () => {
  const model = tf.sequential({ layers: [tf.layers.lstm({ units: 2, inputShape: [4, 3], name: 'tfjs_lstm' })] });
  const [path] = accelerateModel(model);
  assert.equal(path!.fused, false);
  assert.match(path!.reason ?? '', /TF\.js's own layer class/);
  model.dispose();
});
