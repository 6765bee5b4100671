// Weights that already exist are usable: a finished run continues training or is evaluated on the data, and an
// imported .keras model's weights are evaluated (giving a run Predict uses) or trained further — in the real browser.
import { test, expect } from './fixtures';
import type { StudioPage } from './pages/studio-page';

async function finishedRun(studio: StudioPage): Promise<string> {
  await expect(studio.byTestId('run-result')).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
  return (await studio.byTestId('current-run-id').textContent())!.replace(/^run (\S+).*$/, '$1');
}

test("continue a finished run and evaluate an imported model's weights, then predict with them", async ({
  studioApp,
}, testInfo) => {
  const { studio, page, userDataDir } = studioApp;
  await page.setViewportSize({ width: 1024, height: 700 });
  await studio.useSample('forecast-gru');
  await studio.setEpochs(2);
  await studio.byTestId('panel-train-start').click();
  const first = await finishedRun(studio);

  // Continue training from the run: its weights, shown where Train is.
  await studio.openTab('runs');
  await studio.byTestId(`run-open-${first}`).click();
  await studio.byTestId('run-continue').click();
  await studio.confirmGuardIfShown();
  await expect(studio.byTestId('start-weights')).toHaveAttribute('data-kind', 'run');
  await expect(studio.byTestId('start-weights')).toContainText(first);
  await page.screenshot({ path: testInfo.outputPath('continue-1024x700.png') });
  await studio.byTestId('panel-train-evaluate').click();
  const evaluated = await finishedRun(studio);
  expect(evaluated).not.toBe(first);
  await expect(studio.byTestId('run-result')).toContainText('no training');

  // The run's .keras, imported: its weights are the start now, Evaluate gives a run Predict can use.
  await studio.openTab('runs');
  await studio.byTestId(`run-open-${first}`).click();
  await studio.byTestId('run-export').click();
  await studio.byTestId('export-format-keras').check();
  const downloaded = page.waitForEvent('download');
  await studio.byTestId('export-confirm').click();
  const file = `${userDataDir}/forecast.keras`;
  await (await downloaded).saveAs(file);
  await studio.byTestId('export-close').click();
  await studio.byTestId('model-import-input').setInputFiles(file);
  await studio.confirmGuardIfShown();
  await expect(studio.byTestId('import-summary')).toHaveAttribute('data-weights', 'true');
  await studio.byTestId('import-close').click();
  await studio.openTab('training');
  await expect(studio.byTestId('start-weights')).toHaveAttribute('data-kind', 'import');
  await studio.byTestId('panel-train-evaluate').click();
  await finishedRun(studio);
  await studio.byTestId('train-to-predict').click();
  await studio.byTestId('predict-series-submit').click();
  await expect(studio.byTestId('predict-series-chart')).toBeVisible({ timeout: 60_000 });
  // The forecast's axis reads in dates (the sample's date column), not row numbers.
  await expect(studio.byTestId('predict-series-chart')).toContainText(/2010-\d\d-\d\d/);
  await page.screenshot({ path: testInfo.outputPath('imported-predict-1024x700.png') });

  // Fresh weights again on request.
  await studio.openTab('training');
  await studio.byTestId('start-weights-clear').click();
  await expect(studio.byTestId('start-weights')).toHaveCount(0);
});
