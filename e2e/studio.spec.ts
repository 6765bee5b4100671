// The studio end to end, against the real engine: build by dragging, see shapes and errors, import a real CSV,
// train for real, watch the charts, stop, reopen and find the run.
import { test, expect } from './fixtures';
import { missingSharedData, sharedData } from '../main/data/test-support';
import { dirname } from 'node:path';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';

const weatherCsv = sharedData('seattle-weather', 'seattle-weather.csv');

test('build Embedding → LSTM → Dense by dragging; shapes, parameter counts and a Keras-style error', async ({
  studioApp,
}, testInfo) => {
  const { studio, page } = studioApp;
  await studio.byTestId('project-new').click();
  await studio.confirmGuardIfShown();
  await studio.openTab('builder');
  await studio.clearCanvas();
  await studio.dragToCanvas('Embedding');
  await studio.dragToCanvas('LSTM');
  await studio.dragToCanvas('Dense');
  await expect(studio.nodes()).toHaveCount(3);
  await expect(studio.node(0)).toHaveAttribute('data-layer-name', 'embedding');
  await expect(studio.node(1)).toHaveAttribute('data-layer-name', 'lstm');
  await expect(studio.node(2)).toHaveAttribute('data-layer-name', 'dense');
  await expect(studio.byTestId('layer-params-1')).toContainText('8,320');
  await expect(studio.byTestId('layer-shape-2')).toContainText('(None, 1)');
  await page.screenshot({ path: testInfo.outputPath('builder-valid.png') });

  // A second recurrent layer after one without returnSequences: the message appears on that node, Train is disabled.
  await studio.dragToCanvas('GRU');
  await expect(studio.nodes()).toHaveCount(4);
  // Move the GRU above the Dense with the keyboard alternative.
  await studio.byTestId('layer-move-up-3').click();
  await expect(studio.node(2)).toHaveAttribute('data-layer-name', 'gru');
  await expect(studio.byTestId('layer-error-2')).toContainText('expected ndim=3, found ndim=2');
  await expect(studio.byTestId('layer-error-2')).toContainText('Set returnSequences: true on "lstm"');
  await expect(studio.byTestId('train-start')).toBeDisabled();
  await page.screenshot({ path: testInfo.outputPath('builder-invalid.png') });

  // The fix from the inspector: returnSequences on the LSTM.
  await studio.selectNode(1);
  await studio.setParam('returnSequences', true);
  await expect(studio.byTestId('layer-error-2')).toHaveCount(0);
  await expect(studio.byTestId('layer-shape-1')).toContainText('(None, ');
});

test('import a real CSV, train two epochs, watch the charts, stop, reopen and find the run', async ({
  studioApp,
}, testInfo) => {
  const missing = missingSharedData('seattle-weather', 'seattle-weather.csv');
  test.skip(missing !== false, missing || '');
  let { studio, page } = studioApp;
  await studio.useSample('forecast-gru');

  // The daily Seattle weather: import it through the data dialog and point the forecaster at temp_max.
  await studio.byTestId('data-import-file').setInputFiles(weatherCsv);
  await expect(studio.byTestId('data-preview')).toBeVisible();
  await studio.byTestId('data-target').selectOption('temp_max');
  for (const f of ['precipitation', 'temp_max', 'temp_min', 'wind']) await studio.byTestId(`data-feature-${f}`).check();
  await studio.byTestId('data-lookback').fill('20');
  await studio.byTestId('data-step').fill('1');
  await studio.byTestId('data-delay').fill('1');
  await studio.byTestId('data-delay').blur();
  await expect(studio.byTestId('series-chart')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('data-import.png') });
  await studio.openTab('builder');
  await expect(studio.nodes()).toHaveCount(2);
  await expect(studio.byTestId('input-timesteps')).toHaveValue('20');
  await expect(studio.byTestId('input-features')).toHaveValue('4');

  // Plenty of epochs so the run is still going when Stop is pressed after the second one.
  await studio.setEpochs(5000);
  await studio.byTestId('train-start').click();
  await expect(studio.byTestId('backend-info')).toContainText(/wasm|cpu|tensorflow/);
  await expect.poll(() => studio.chartPoints('loss'), { timeout: 120_000 }).toBeGreaterThan(0);
  await expect.poll(async () => Number(await studio.chart('gradnorms').getAttribute('data-lines'))).toBe(2);
  const epochPoints = () => studio.chart('loss').getAttribute('data-epoch-points').then(Number);
  await expect.poll(epochPoints, { timeout: 120_000 }).toBeGreaterThanOrEqual(1);
  // The batch series is thinned (at most LIVE_BATCH_POINTS kept), so its point count can drop as training goes on;
  // what must grow is how far along the chart draws: the x (epoch.fraction) of its newest batch point.
  const lastX = () => studio.chart('loss').getAttribute('data-last-x').then(Number);
  // Polled, not read once after the second epoch: an epoch here takes tens of ms, so one throttled redraw can bring
  // several epochs at once, and the second epoch can already be on the chart when afterFirst is read.
  const afterFirst = await lastX();
  await expect.poll(lastX, { timeout: 120_000 }).toBeGreaterThan(afterFirst);
  await expect.poll(epochPoints, { timeout: 120_000 }).toBeGreaterThanOrEqual(2);
  expect(await studio.chartPoints('loss')).toBeGreaterThan(0);
  await page.screenshot({ path: testInfo.outputPath('training.png') });
  await studio.byTestId('train-stop').click();
  await expect(studio.byTestId('train-progress')).toHaveAttribute('data-status', 'stopped', { timeout: 60_000 });
  await studio.openTab('runs');
  await expect(studio.runRow().first()).toHaveAttribute('data-status', 'stopped');

  studio = await studioApp.reopen();
  page = studioApp.page;
  await studio.openTab('runs');
  await expect(studio.byTestId('runs-list')).toBeVisible();
  await expect(studio.runRow()).toHaveCount(1);
  await expect(studio.runRow().first()).toHaveAttribute('data-status', 'stopped');
  await page.screenshot({ path: testInfo.outputPath('reopened-runs.png') });
});

test('a CSV larger than one message uploads in pieces with a progress bar, and every row arrives', async ({
  studioApp,
}, testInfo) => {
  const { studio } = studioApp;
  await studio.useSample('forecast-gru');
  // ~14 MB: four uploadData calls of at most 4 MiB; each row says its own number, so a piece out of order shows.
  const rows = 550_000;
  const lines = ['date,pressure,temperature,wind'];
  for (let i = 0; i < rows; i++) lines.push(`${i},${1000 + (i % 50)}.25,${(i % 30) - 5}.5,${i % 17}.125`);
  const csv = testInfo.outputPath('large.csv');
  mkdirSync(dirname(csv), { recursive: true });
  writeFileSync(csv, `${lines.join('\n')}\n`);
  expect(statSync(csv).size).toBeGreaterThan(3 * 4 * 1024 ** 2);
  await studio.byTestId('data-import-file').setInputFiles(csv);
  await expect(studio.byTestId('data-upload-progress')).toBeVisible();
  await expect(studio.byTestId('preview-rows')).toHaveText('550,000', { timeout: 60_000 });
  await expect(studio.byTestId('data-upload-progress')).toHaveCount(0);
  await expect(studio.byTestId('data-error')).toHaveCount(0);
});
