// Component tests of the training form: the real TrainingPanel in the app's providers, driven by user events.
// The DOM comes first: React DOM and Testing Library look for it when they load.
import '../test-support/dom.js';
// eslint-disable-next-line no-restricted-imports -- the tests run in Node (node:test); the components do not
import { afterEach, test } from 'node:test';
// eslint-disable-next-line no-restricted-imports -- as above
import assert from 'node:assert/strict';
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { defaultMetrics } from '../../shared/training-catalog.js';
import { renderInStudio } from '../test-support/studio.js';
import { TrainingPanel } from './training-panel.js';

afterEach(cleanup);

function checkedMetrics(): string[] {
  return (['accuracy', 'mae'] as const).filter(
    (m) => (screen.getByTestId(`training-metric-${m}`) as HTMLInputElement).checked,
  );
}

test('training form: a regression loss selects its default metrics', async () => {
  const user = userEvent.setup();
  const studio = renderInStudio(<TrainingPanel />);
  const settings = within(screen.getByTestId('training-settings'));
  assert.deepEqual(checkedMetrics(), ['accuracy']); // binaryCrossentropy, the blank project's loss

  await user.selectOptions(settings.getByLabelText('Loss'), 'meanSquaredError');
  assert.deepEqual(studio.spec().training?.metrics, defaultMetrics('meanSquaredError'));
  assert.deepEqual(checkedMetrics(), ['mae']);

  await user.selectOptions(settings.getByLabelText('Loss'), 'meanAbsoluteError');
  assert.deepEqual(studio.spec().training?.metrics, defaultMetrics('meanAbsoluteError'));
  assert.deepEqual(checkedMetrics(), []);
});

test('training form: an out-of-range learning rate gets its own message beside the field', async () => {
  const user = userEvent.setup();
  const studio = renderInStudio(<TrainingPanel />);
  const input = within(screen.getByTestId('training-settings')).getByLabelText('Learning rate');
  const field = input.closest('.field') as HTMLElement;
  assert.equal(within(field).queryByRole('alert'), null);

  await user.clear(input);
  await user.type(input, '20');
  assert.equal(studio.spec().training?.learningRate, 20);
  const message = within(field).getByRole('alert').textContent ?? '';
  assert.equal(message, '`learningRate` must be a number in (0, 10]. Received: learningRate=20.');
  assert.doesNotMatch(message, /fix the/i);

  await user.clear(input);
  await user.type(input, '0.01');
  assert.equal(within(field).queryByRole('alert'), null);
});
