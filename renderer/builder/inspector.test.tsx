// Component tests of the inspector: the real BuilderPanel (canvas + inspector) in the app's providers, driven by
// user events. The DOM comes first: React DOM and Testing Library look for it when they load.
import '../test-support/dom.js';
// eslint-disable-next-line no-restricted-imports -- the tests run in Node (node:test); the components do not
import { afterEach, test } from 'node:test';
// eslint-disable-next-line no-restricted-imports -- as above
import assert from 'node:assert/strict';
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ModelSpec, PlainLayerSpec } from '../../shared/model-spec.js';
import { blankSpec } from '../state/project-state.js';
import { renderInStudio } from '../test-support/studio.js';
import { BuilderPanel } from './builder-panel.js';

afterEach(cleanup);

/** Embedding → <recurrent> → Dense(sigmoid), as the sentiment sample. */
function specWith(recurrent: PlainLayerSpec): ModelSpec {
  return {
    ...blankSpec(),
    name: 'inspector-test',
    input: { kind: 'tokens', vocabSize: 1000, length: 20 },
    layers: [
      { id: 'emb', className: 'Embedding', config: { inputDim: 1000, outputDim: 8 } },
      { id: 'rnn', ...recurrent },
      { id: 'out', className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
  };
}

async function selectLayer(index: number) {
  const user = userEvent.setup();
  await user.click(screen.getByTestId(`layer-node-${index}`));
  const inspector = screen.getByTestId('inspector');
  assert.equal(inspector.getAttribute('data-layer-index'), String(index));
  return { user, inspector: within(inspector) };
}

test('inspector: editing LSTM units updates the spec and the parameter count', async () => {
  const studio = renderInStudio(<BuilderPanel />, { spec: specWith({ className: 'LSTM', config: { units: 32 } }) });
  const { user, inspector } = await selectLayer(1);
  assert.equal(screen.getByTestId('layer-params-1').textContent, '5,248'); // 4 · (32 · (8 + 32) + 32)

  const units = inspector.getByLabelText('units');
  await user.clear(units);
  await user.type(units, '64');

  assert.equal((studio.spec().layers[1] as PlainLayerSpec).config?.['units'], 64);
  assert.equal(screen.getByTestId('layer-params-1').textContent, '18,688'); // 4 · (64 · (8 + 64) + 64)
  assert.equal(inspector.queryByRole('alert'), null);
});

test('inspector: an invalid units value shows the Keras-style message beside the field', async () => {
  renderInStudio(<BuilderPanel />, { spec: specWith({ className: 'LSTM', config: { units: 32 } }) });
  const { user, inspector } = await selectLayer(1);
  const units = inspector.getByLabelText('units');

  await user.clear(units);
  await user.type(units, '0');
  const field = units.closest('.field') as HTMLElement;
  assert.equal(within(field).getByRole('alert').textContent, '`units` must be a positive integer. Received: units=0.');
  assert.equal(units.getAttribute('aria-invalid'), 'true');

  await user.clear(units);
  await user.type(units, 'abc');
  assert.equal(within(field).getByRole('alert').textContent, '`units` must be an integer. Received: units="abc".');
  // The node says so too, so the problem is visible with the inspector closed.
  assert.match(screen.getByTestId('layer-error-1').textContent ?? '', /`units` must be an integer/);
});

test('inspector: changing the layer type SimpleRNN → LSTM keeps units and dropouts', async () => {
  const studio = renderInStudio(<BuilderPanel />, {
    spec: specWith({ className: 'SimpleRNN', config: { units: 16, dropout: 0.2, recurrentDropout: 0.1 } }),
  });
  const { user, inspector } = await selectLayer(1);

  await user.selectOptions(inspector.getByLabelText('layer type'), 'LSTM');

  const layer = studio.spec().layers[1]!;
  assert.equal(layer.className, 'LSTM');
  assert.equal(layer.id, 'rnn');
  assert.deepEqual(layer.config, { units: 16, dropout: 0.2, recurrentDropout: 0.1 });
  assert.equal(screen.getByTestId('layer-node-1').getAttribute('data-layer-class'), 'LSTM');
  // The inspector stays on the layer and shows the kept values.
  assert.equal((inspector.getByLabelText('layer type') as HTMLSelectElement).value, 'LSTM');
  assert.equal((inspector.getByLabelText('units') as HTMLInputElement).value, '16');
  assert.equal((inspector.getByLabelText('dropout') as HTMLInputElement).value, '0.2');
  assert.equal((inspector.getByLabelText('recurrentDropout') as HTMLInputElement).value, '0.1');
});
