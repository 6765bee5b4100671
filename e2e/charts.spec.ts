// A run that diverges must still give readable charts: log axis suggested, tick labels inside the chart and apart,
// the baseline label off the x ticks, zoom with reset, and every chart exported as PNG and CSV.
import { test, expect } from './fixtures';
import { ChartsPage, overlap } from './pages/charts';
import type { StudioPage } from './pages/studio-page';

async function fill(studio: StudioPage, id: string, value: string) {
  await studio.byTestId(id).fill(value);
  await studio.byTestId(id).blur();
}

/** The forecast sample on a small split with plain SGD at a huge learning rate: the loss explodes within an epoch. */
async function trainDiverging(
  studio: StudioPage,
  loss: 'meanSquaredError' | 'meanAbsoluteError',
  learningRate: string,
) {
  await studio.openTab('training');
  await studio.byTestId('training-optimizer').selectOption('sgd');
  await studio.byTestId('training-loss').selectOption(loss);
  await fill(studio, 'training-learningRate', learningRate);
  await fill(studio, 'training-epochs', '3');
  await studio.byTestId('train-start').click();
  await expect(studio.byTestId('train-progress')).toHaveAttribute('data-status', /completed|failed/, {
    timeout: 120_000,
  });
}

test('charts of a diverging run: log axis, readable ticks, baseline label, zoom, PNG and CSV export', async ({
  studioApp,
}, testInfo) => {
  const { studio, page } = studioApp;
  const charts = new ChartsPage(page);
  await studio.useSample('forecast-gru');
  await fill(studio, 'data-trainFraction', '0.1');
  await fill(studio, 'data-valFraction', '0.05');

  // Mean squared error at lr 1: the batch loss goes from ~1 to ~1e12 before it becomes NaN.
  await trainDiverging(studio, 'meanSquaredError', '1');
  const loss = charts.box('loss');
  await expect.poll(() => loss.getAttribute('data-points').then(Number)).toBeGreaterThan(3);
  await expect(loss).toHaveAttribute('data-log-suggested', 'true');
  await expect(loss).toHaveAttribute('data-scale', 'log');
  await expect(charts.tool('loss', 'scale-log')).toHaveAttribute('aria-pressed', 'true');
  await charts.expectReadableTicks('loss');
  await charts.expectReadableTicks('gradnorms');
  await page.screenshot({ path: testInfo.outputPath('diverging-log-1440x900.png') });

  // Linear: fitted to the bulk of the points, the huge ones flagged as clipped; the labels still fit.
  await charts.tool('loss', 'scale-linear').click();
  await expect(loss).toHaveAttribute('data-scale', 'linear');
  await expect(charts.tool('loss', 'clipped')).toBeVisible();
  await charts.expectReadableTicks('loss');
  await page.screenshot({ path: testInfo.outputPath('diverging-linear-1440x900.png') });
  await charts.tool('loss', 'scale-log').click();
  await expect(loss).toHaveAttribute('data-scale', 'log');

  // CSV: the header names the series shown, one line per plotted point.
  const csv = await charts.download('loss', 'csv');
  expect(csv.download.suggestedFilename()).toMatch(/\.csv$/);
  const lines = csv.bytes.toString('utf8').trimEnd().split(/\r?\n/);
  expect(lines[0]).toBe('epoch,loss_batch,loss_batch_ema,loss_epoch,val_loss');
  expect(lines.length - 1).toBe(Number(await loss.getAttribute('data-points')));
  const grad = await charts.download('gradnorms', 'csv');
  expect(grad.bytes.toString('utf8').split(/\r?\n/)[0]).toBe(
    await charts.box('gradnorms').getAttribute('data-csv-header'),
  );

  // PNG: a real PNG file.
  const png = await charts.download('loss', 'png');
  expect(png.download.suggestedFilename()).toMatch(/\.png$/);
  expect([...png.bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.bytes.length).toBeGreaterThan(2000);

  await page.setViewportSize({ width: 1024, height: 700 });
  await expect.poll(async () => (await charts.geometry('loss')).svg.width).toBeLessThan(500);
  await charts.expectReadableTicks('loss');
  await page.screenshot({ path: testInfo.outputPath('diverging-log-1024x700.png') });
  await page.setViewportSize({ width: 1440, height: 900 });

  // Mean absolute error at lr 10 climbs about two decades: linear stays, with the baseline line and its label.
  await trainDiverging(studio, 'meanAbsoluteError', '10');
  await expect.poll(() => loss.getAttribute('data-epoch-points').then(Number)).toBeGreaterThanOrEqual(3);
  await expect(loss).toHaveAttribute('data-log-suggested', 'false');
  await expect(loss).toHaveAttribute('data-scale', 'linear');
  await charts.expectReadableTicks('loss');
  const g = await charts.geometry('loss');
  expect(g.baseline, 'the baseline label is drawn').not.toBeNull();
  for (const t of g.x) expect(overlap(g.baseline!, t), `baseline label over x tick "${t.text}"`).toBe(false);
  expect(g.baseline!.y + g.baseline!.height).toBeLessThanOrEqual(Math.min(...g.x.map((t) => t.y)));

  // Zoom into the epoch axis with the brush, then reset.
  await expect(charts.tool('loss', 'zoom-reset')).toBeDisabled();
  await charts.zoomIn('loss');
  await expect(charts.tool('loss', 'zoom-reset')).toBeEnabled();
  await charts.expectReadableTicks('loss');
  await page.screenshot({ path: testInfo.outputPath('mae-zoomed-1440x900.png') });
  await charts.tool('loss', 'zoom-reset').click();
  await expect(charts.tool('loss', 'zoom-reset')).toBeDisabled();
  await page.setViewportSize({ width: 1024, height: 700 });
  await charts.expectReadableTicks('loss');
  await page.screenshot({ path: testInfo.outputPath('mae-baseline-1024x700.png') });
});
