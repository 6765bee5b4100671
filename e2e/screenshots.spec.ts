// The README's pictures (issue #15), taken from the real app and checked while they are taken: each test drives the
// studio to one of the new views, asserts what the view must show (so a broken view fails here, not in the README)
// and saves a PNG of it into the test's output folder; with UPDATE_SCREENSHOTS=1 it also writes docs/images/.
//   UPDATE_SCREENSHOTS=1 npx playwright test e2e/screenshots.spec.ts --project web
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from '@playwright/test';
import type { Locator, Page, TestInfo } from '@playwright/test';
import { repoRoot, test } from './fixtures';
import { ChartsPage } from './pages/charts';
import { LayoutPage } from './pages/layout';
import { writeStoredRun } from './pages/runs';

const DOCS_IMAGES = join(repoRoot, 'docs', 'images');
/** The docs' images stay small: a screenshot over this is cropped too loosely. */
const MAX_BYTES = 250_000;

/**
 * Saves a PNG of `target` (the window, or one panel cropped to at most `maxHeight` px from its top) as `name` under the
 * test's output folder, and under docs/images/ when UPDATE_SCREENSHOTS=1.
 */
async function shot(
  page: Page,
  target: Locator | null,
  name: string,
  testInfo: TestInfo,
  maxHeight = 900,
): Promise<void> {
  const path = testInfo.outputPath(name);
  await page.mouse.move(1, 1); // no hover tooltip in the picture
  if (target) {
    await target.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    // Let the scroll and any resize settle for two frames.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const box = (await target.boundingBox())!;
    const viewport = page.viewportSize()!;
    const clip = {
      x: Math.max(0, box.x),
      y: Math.max(0, box.y),
      width: Math.min(box.width, viewport.width),
      height: Math.min(box.height, maxHeight, viewport.height - Math.max(0, box.y)),
    };
    expect(clip.height, `${name}: the panel is on screen`).toBeGreaterThan(50);
    await page.screenshot({ path, clip, animations: 'disabled', caret: 'hide' });
  } else {
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  }
  const bytes = statSync(path).size;
  expect(bytes, `${name}: ${Math.round(bytes / 1024)} KB`).toBeLessThan(MAX_BYTES);
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    mkdirSync(DOCS_IMAGES, { recursive: true });
    copyFileSync(path, join(DOCS_IMAGES, name));
  }
}

test('forecast sample: the 1024×700 layout while training, log axis with brush, histograms over time, forecast with dates', async ({
  studioApp,
}, testInfo) => {
  const { studio, page } = studioApp;
  const layout = new LayoutPage(page);
  const charts = new ChartsPage(page);
  await page.setViewportSize({ width: 1024, height: 700 });
  await studio.useSample('forecast-gru');
  // The small window mid-run (a run far too long to finish): the header wrapped, Stop beside the progress bar.
  await studio.setEpochs(100000);
  await studio.byTestId('panel-train-start').click();
  await expect(studio.byTestId('train-progress')).toHaveAttribute('data-status', 'running', { timeout: 120_000 });
  await expect.poll(() => studio.chartPoints('loss'), { timeout: 120_000 }).toBeGreaterThan(3);
  await layout.expectReachable(layout.header(), 'header at 1024×700', 10);
  await layout.expectReachable(layout.panelRunControls(), 'run controls at 1024×700', 3);
  const stopButton = layout.panelRunControls().getByTestId('panel-train-stop');
  await expect(stopButton).toBeEnabled();
  // Stop sits on the progress bar's row, to its right.
  const progress = (await studio.byTestId('train-progress').boundingBox())!;
  const stop = (await stopButton.boundingBox())!;
  expect(stop.x).toBeGreaterThanOrEqual(progress.x + progress.width - 1);
  expect(Math.abs(stop.y + stop.height / 2 - (progress.y + progress.height / 2))).toBeLessThan(
    progress.height / 2 + stop.height / 2,
  );
  // The header wrapped onto a second row instead of spilling out of the window.
  const header = (await layout.header().boundingBox())!;
  expect(header.width).toBeLessThanOrEqual(1024);
  expect(header.height).toBeGreaterThan(2 * (await studio.byTestId('train-start').boundingBox())!.height);
  await shot(page, null, 'layout-1024x700.png', testInfo);
  await stopButton.click();
  await expect(studio.byTestId('train-progress')).toHaveAttribute('data-status', 'stopped', { timeout: 60_000 });

  // A real run of three epochs at the usual size.
  await page.setViewportSize({ width: 1440, height: 900 });
  await studio.setEpochs(3);
  await studio.byTestId('panel-train-start').click();
  await expect(studio.byTestId('run-result')).toHaveAttribute('data-status', 'completed', { timeout: 180_000 });

  // Loss on a log axis, zoomed into the later epochs with the brush.
  const loss = charts.box('loss');
  await expect(loss).toHaveAttribute('data-epoch-points', '3');
  await charts.tool('loss', 'scale-log').click();
  await expect(loss).toHaveAttribute('data-scale', 'log');
  await charts.zoomIn('loss', 60);
  await expect(charts.tool('loss', 'zoom-reset')).toBeEnabled();
  await charts.expectReadableTicks('loss');
  const y = (await charts.geometry('loss')).y.map((t) => t.text);
  expect(y.length, 'log ticks').toBeGreaterThanOrEqual(2);
  await shot(page, page.locator('.chart-card', { has: loss }), 'charts-log-brush.png', testInfo);

  // Weights over time: one band per epoch for each of the five tensors, the last epoch's 30-bin histogram.
  const view = studio.byTestId('histograms');
  await expect(view).toHaveAttribute('data-epochs', '3');
  await expect(view).toHaveAttribute('data-tensors', '5');
  const tensors = await studio.byTestId('histograms-tensor').locator('option').allTextContents();
  await studio.byTestId('histograms-tensor').selectOption(tensors.find((t) => /recurrent_kernel/.test(t))!);
  await expect(studio.byTestId('histograms-band')).toHaveCount(3);
  await expect(studio.byTestId('histograms-last')).toHaveAttribute('data-bins', '30');
  await expect(studio.byTestId('histograms-stats')).toContainText(/min .* max .* mean .* std/);
  // The gradients move more than the weights in three epochs: they make the picture.
  await studio.byTestId('histograms-which-gradients').check();
  await expect(studio.byTestId('histograms-distribution')).toHaveAttribute('data-which', 'gradients');
  await expect(studio.byTestId('histograms-band')).toHaveCount(3);
  await expect(studio.byTestId('histograms-stats')).toContainText('gradient of');
  await shot(page, view, 'histograms.png', testInfo);

  // Predict: the validation range forecast, read in dates on the x axis, against the common-sense baseline.
  await studio.byTestId('train-to-predict').click();
  const forecast = studio.byTestId('predict-series-chart');
  await expect(forecast).toBeVisible({ timeout: 60_000 });
  expect(Number(await forecast.getAttribute('data-points'))).toBeGreaterThan(50);
  const xTicks = await forecast
    .locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value')
    .allTextContents();
  expect(xTicks.length).toBeGreaterThanOrEqual(3);
  for (const t of xTicks) expect(t).toMatch(/^\d{4}-\d\d-\d\d/);
  await expect(forecast.locator('.recharts-line-curve')).toHaveCount(3);
  await expect(studio.byTestId('predict-series-mae')).toContainText(/model MAE .* vs common-sense baseline/);
  // Hourly data over three months draws dense lines: a narrower window keeps the picture small.
  await page.setViewportSize({ width: 1024, height: 700 });
  await expect.poll(async () => (await forecast.boundingBox())!.width).toBeLessThan(1000);
  await shot(page, page.locator('.predict-series'), 'predict-forecast.png', testInfo, 372);
});

test('text sample: classifier diagnostics, look inside the LSTM, the Embedding projector', async ({
  studioApp,
}, testInfo) => {
  const { studio, page } = studioApp;
  await page.setViewportSize({ width: 1440, height: 900 });
  await studio.trainSample('sentiment-lstm', 3);

  // Diagnostics on the validation split: the confusion matrix's cells add up to it, one ROC and one PR curve.
  await studio.openTab('predict');
  await studio.byTestId('diagnostics-run').click();
  const matrix = studio.byTestId('diagnostics-confusion');
  await expect(matrix).toBeVisible({ timeout: 60_000 });
  const count = Number(await studio.byTestId('diagnostics-summary').getAttribute('data-count'));
  expect(count).toBeGreaterThan(100);
  const cells = await Promise.all(
    [0, 1].flatMap((i) => [0, 1].map((j) => studio.byTestId(`confusion-${i}-${j}`).getAttribute('data-count'))),
  );
  const n = cells.map(Number);
  expect(n.reduce((a, b) => a + b, 0)).toBe(count);
  // The accuracy in the summary is the matrix's diagonal.
  const accuracy = Number(await studio.byTestId('diagnostics-summary').getAttribute('data-accuracy'));
  expect(accuracy).toBeCloseTo((n[0]! + n[3]!) / count, 6);
  for (const id of ['diagnostics-roc', 'diagnostics-pr']) {
    await expect(studio.byTestId(id)).toHaveAttribute('data-curves', '1');
    await expect(studio.byTestId(id).locator('.recharts-line-curve').last()).toBeVisible();
  }
  await expect(page.locator('.chart-card h4', { hasText: /^ROC — AUC 0\.\d{3}$/ })).toBeVisible();
  expect(await studio.byTestId('diagnostics-mistake').count()).toBeGreaterThan(0);
  await shot(page, studio.byTestId('diagnostics-view'), 'diagnostics.png', testInfo, 760);

  // Look inside: a sentence's gates and states per token, the tokens coloured by their contribution.
  await studio.byTestId('predict-text-input').fill('Re: meeting tomorrow about the project budget, free prize inside');
  await studio.byTestId('predict-text-submit').click();
  await expect(studio.byTestId('predict-text-result')).toBeVisible({ timeout: 60_000 });
  await studio.byTestId('inside-open').click();
  await expect(studio.byTestId('inside-result')).toHaveAttribute('data-layers', '1', { timeout: 60_000 });
  for (const key of ['h', 'c', 'i', 'f', 'o', 'g']) {
    const map = studio.byTestId(`inside-heatmap-${key}`);
    const steps = Number(await map.getAttribute('data-steps'));
    expect(steps).toBeGreaterThan(3);
    await expect(map.locator('rect')).toHaveCount(16 * steps);
  }
  const tokens = studio.byTestId('inside-tokens').locator('[data-testid^="inside-token-"]');
  const colours = await tokens.evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
  expect(new Set(colours).size, 'tokens coloured by contribution').toBeGreaterThan(1);
  await shot(page, studio.byTestId('inside-view'), 'inside-lstm.png', testInfo, 640);

  // The projector: the run's Embedding by PCA, the frequent words labelled, a word's nearest neighbours.
  await studio.openTab('runs');
  await page.locator('[data-testid^="run-open-"]').first().click();
  await expect(studio.byTestId('run-detail')).toHaveAttribute('data-run-id', /.+/);
  await studio.byTestId('projector').scrollIntoViewIfNeeded();
  await studio.byTestId('projector-open').click();
  const summary = studio.byTestId('projector-summary');
  await expect(summary).toHaveAttribute('data-method', 'pca', { timeout: 60_000 });
  const points = Number(await summary.getAttribute('data-points'));
  expect(points).toBeGreaterThan(100);
  const chart = studio.byTestId('projector-chart');
  await expect(chart).toHaveAttribute('data-points', String(points));
  await studio.byTestId('projector-search').fill('money');
  await studio.byTestId('projector-search-go').click();
  await expect(studio.byTestId('projector-neighbours')).toHaveAttribute('data-count', '10');
  await expect(chart).toHaveAttribute('data-highlight', 'money');
  // Every plotted word is a dot; the frequent words, the neighbours and the query carry labels.
  await expect(chart.locator('.recharts-scatter-symbol')).toHaveCount(points);
  expect(await chart.locator('.recharts-label-list text').count()).toBeGreaterThanOrEqual(11);
  await page.setViewportSize({ width: 1280, height: 800 });
  await expect(chart.locator('circle[r="6"]')).toHaveCount(1);
  await shot(page, studio.byTestId('projector'), 'projector.png', testInfo, 560);
});

test('many runs: tagged, filtered and overlaid', async ({ studioApp }, testInfo) => {
  const { studio, page, userDataDir } = studioApp;
  await page.setViewportSize({ width: 1440, height: 900 });
  writeStoredRun(userDataDir, {
    id: 'gru-a',
    name: 'GRU 32 baseline',
    status: 'completed',
    scale: 1,
    minutesAgo: 4,
    family: 'forecast',
    epochs: 8,
  });
  writeStoredRun(userDataDir, {
    id: 'gru-b',
    name: 'GRU 64 wide',
    status: 'completed',
    scale: 0.8,
    minutesAgo: 3,
    family: 'forecast',
    epochs: 8,
  });
  writeStoredRun(userDataDir, {
    id: 'gru-drop',
    name: 'GRU 32 dropout 0.2',
    status: 'completed',
    scale: 0.9,
    minutesAgo: 2,
    family: 'forecast',
    epochs: 8,
  });
  writeStoredRun(userDataDir, {
    id: 'lstm-c',
    name: 'LSTM 32',
    status: 'stopped',
    scale: 1.2,
    minutesAgo: 1,
    family: null,
    epochs: 5,
  });

  await studio.openTab('runs');
  await studio.byTestId('runs-refresh').click();
  await expect(studio.runRow()).toHaveCount(4);
  for (const [id, tags] of [
    ['gru-b', 'wide, lr-sweep'],
    ['gru-drop', 'dropout, lr-sweep'],
  ] as const) {
    await studio.byTestId(`run-open-${id}`).click();
    await studio.byTestId('run-tags-input').fill(tags);
    await studio.byTestId('run-tags-save').click();
    await expect(studio.byTestId(`run-tags-${id}`).getByTestId('run-tag-chip')).toHaveCount(2);
  }

  // Check the three forecast runs, then filter the list down to the family.
  for (const id of ['gru-a', 'gru-b', 'gru-drop']) await studio.byTestId(`run-check-${id}`).check();
  await studio.byTestId('runs-filter').fill('forecast');
  await expect(studio.runRow()).toHaveCount(3);
  await expect(studio.byTestId('runs-shown')).toHaveText('3 of 4');
  await studio.byTestId('runs-overlay').click();
  const overlay = studio.byTestId('overlay-view');
  await expect(overlay).toHaveAttribute('data-runs', '3');
  for (const log of ['loss', 'val_loss']) {
    await expect(studio.byTestId(`overlay-chart-${log}`)).toHaveAttribute('data-lines', '3');
    await expect(studio.byTestId(`overlay-chart-${log}`)).toHaveAttribute('data-points', '8');
    await expect(studio.byTestId(`overlay-chart-${log}`).locator('.recharts-line-curve')).toHaveCount(3);
  }
  await expect(studio.byTestId('overlay-legend')).toContainText('GRU 32 dropout 0.2');
  // Two logs are enough for the picture: a log left out leaves the overlay.
  await studio.byTestId('overlay-log-val_mae').uncheck();
  await expect(studio.byTestId('overlay-chart-val_mae')).toHaveCount(0);
  // The runs list and the overlay under it, down to the overlay's last chart.
  const panelTop = (await studio.byTestId('runs-panel').boundingBox())!.y;
  const overlayBox = (await overlay.boundingBox())!;
  await shot(
    page,
    studio.byTestId('runs-panel'),
    'runs-overlay.png',
    testInfo,
    Math.ceil(overlayBox.y + overlayBox.height - panelTop) + 8,
  );
});

test("the keyboard shortcuts overlay ('?')", async ({ studioApp }, testInfo) => {
  const { studio, page } = studioApp;
  await page.setViewportSize({ width: 1440, height: 900 });
  await expect(studio.byTestId('tab-builder')).toBeVisible();
  await page.locator('body').click({ position: { x: 5, y: 600 } });
  await page.keyboard.press('Shift+Slash');
  const overlay = studio.byTestId('shortcuts-overlay');
  await expect(overlay).toBeVisible();
  for (const keys of ['Ctrl+Z', 'Ctrl+Shift+Z', 'Ctrl+S', 'Alt+1', 'Alt+5', 'Delete', 'Ctrl+Enter', 'Escape', '?'])
    await expect(overlay, keys).toContainText(keys);
  await shot(page, overlay, 'shortcuts.png', testInfo);
});
