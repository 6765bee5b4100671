// The chapter's temperature family as a reader runs it in the browser: each template trained with its own epochs on
// the bundled hourly weather must beat the common-sense baseline. Before training followed Keras's recurrent
// dropout, the dropout GRU and the stacked GRUs did not (docs/training-parity.md).
import { test, expect } from './fixtures';

const FORECAST_TEMPLATES = [
  'forecast-gru',
  'forecast-gru-dropout',
  'forecast-stacked-gru',
  'forecast-bidirectional-gru',
];

test('every forecasting template beats the common-sense baseline', async ({ studioApp }, testInfo) => {
  test.setTimeout(300_000);
  const { studio, page } = studioApp;
  for (const id of FORECAST_TEMPLATES) {
    await studio.byTestId('project-template').click();
    await studio.byTestId(`template-${id}`).click();
    await studio.confirmGuardIfShown();
    await studio.openTab('training');
    await studio.byTestId('train-start').click();
    await expect(studio.byTestId('train-progress')).toHaveAttribute('data-status', 'completed', { timeout: 180_000 });
    await expect(studio.byTestId('baseline-verdict')).toContainText('Beats the common-sense baseline');
    await page.screenshot({ path: testInfo.outputPath(`${id}.png`), fullPage: true });
  }
});
