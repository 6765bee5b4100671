// The second step a new user takes, in the real browser at both window sizes: importing the other data kind into a
// fresh project. The file decides the kind (a numeric CSV is a series, prose is text), the loss follows the task, and
// switching the kind back and forth keeps the file.
import { test, expect, repoRoot } from './fixtures';
import { missingSharedData, sharedData } from '../main/data/test-support';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const weatherCsv = join(repoRoot, 'assets', 'samples', 'seattle-weather-hourly-normals.csv');

for (const size of [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
]) {
  test(`a numeric CSV imported into a new project makes it a forecaster, and the kind can switch back and forth (${size.width}×${size.height})`, async ({
    studioApp,
  }, testInfo) => {
    const { studio, page } = studioApp;
    await page.setViewportSize(size);
    await studio.byTestId('project-new').click();
    await studio.confirmGuardIfShown();
    await studio.openTab('data');
    // A new project starts as a text classifier with no data; the CSV's columns say it is a time series.
    await studio.byTestId('data-import-file').setInputFiles(weatherCsv);
    await expect(studio.byTestId('data-kind')).toHaveValue('timeseries');
    await expect(studio.byTestId('series-chart')).toBeVisible();
    await expect(studio.byTestId('data-target')).toHaveValue('temperature');
    // Hourly rows: the windows start as Chollet's in time (5 days back, hourly, 24 hours ahead).
    await expect(studio.byTestId('preview-sampling')).toHaveText('1 h');
    await expect(studio.byTestId('data-lookback')).toHaveValue('120');
    await expect(studio.byTestId('data-delay-time')).toHaveText('= 1 day');
    const path = await studio.byTestId('data-path').textContent();
    expect(path).toMatch(/seattle-weather-hourly-normals\.csv$/);
    await page.screenshot({ path: testInfo.outputPath(`csv-kind-${size.width}.png`) });

    await studio.openTab('training');
    await expect(studio.byTestId('training-loss')).toHaveValue('meanAbsoluteError');
    await expect(studio.byTestId('training-metric-accuracy')).not.toBeChecked();

    // Text and back: the same file stays chosen, and the series comes back with its columns.
    await studio.openTab('data');
    await studio.byTestId('data-kind').selectOption('text');
    await expect(studio.byTestId('data-path')).toHaveText(path!);
    await studio.byTestId('data-kind').selectOption('timeseries');
    await expect(studio.byTestId('data-path')).toHaveText(path!);
    await expect(studio.byTestId('series-chart')).toBeVisible();
    await expect(studio.byTestId('data-target')).toHaveValue('temperature');
  });
}

test('a CSV of reviews imported into a forecasting project makes it a text classifier with a classifier loss', async ({
  studioApp,
}, testInfo) => {
  const { studio, page } = studioApp;
  await studio.useSample('forecast-gru');
  const reviews = testInfo.outputPath('reviews.csv');
  mkdirSync(dirname(reviews), { recursive: true });
  const rows = ['review,label'];
  for (let i = 0; i < 60; i++)
    rows.push(
      i % 2
        ? `"a slow, dull film with no heart, number ${i}",neg`
        : `"the best thing I saw this year, number ${i}",pos`,
    );
  writeFileSync(reviews, `${rows.join('\n')}\n`);
  await studio.byTestId('data-import-file').setInputFiles(reviews);
  await expect(studio.byTestId('data-kind')).toHaveValue('text');
  await expect(studio.byTestId('data-preview')).toBeVisible();
  await studio.openTab('training');
  await expect(studio.byTestId('training-loss')).toHaveValue('binaryCrossentropy');
  await page.screenshot({ path: testInfo.outputPath('reviews-kind.png') });
});

test('the page opened without its token says so and stops knocking', async ({ studioApp }, testInfo) => {
  test.skip(testInfo.project.name !== 'web', 'only the browser host has a token');
  const { page } = studioApp;
  const withoutToken = page.url().replace(/\?token=[0-9a-f]+/, '');
  let sockets = 0;
  // Only the tokenless page's sockets count: the page this test starts from (with its token) may still open one
  // while it is navigated away from (CI once counted 2 that way).
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).searchParams.get('token') === '') sockets++;
  });
  // The page's timers run on Playwright's clock: a minute of backoff passes without waiting for it.
  await page.clock.install();
  await page.goto(withoutToken);
  await expect.poll(() => sockets).toBe(1);
  await page.clock.runFor(2_000);
  const banner = page.getByTestId('connection-banner');
  await expect(banner).toHaveAttribute('data-state', 'refused');
  await expect(banner).toContainText('without its access token');
  // Backoff starts at 0.5 s and caps at 10 s: a client that kept retrying would knock several times in a minute.
  await page.clock.runFor(60_000);
  expect(sockets).toBe(1);
  await page.screenshot({ path: testInfo.outputPath('no-token.png') });
});

test('a one-file-per-class text file picked with Import CSV: Train says the data cannot be read, with the reason', async ({
  studioApp,
}, testInfo) => {
  const neg = sharedData('rt-polarity', 'rt-polarity.neg');
  const missing = missingSharedData('rt-polarity', 'rt-polarity.neg');
  test.skip(missing !== false, missing || '');
  const { studio, page } = studioApp;
  await studio.useSample('sentiment-lstm');
  await studio.byTestId('data-import-file').setInputFiles(neg);
  await expect(studio.byTestId('data-error')).toBeVisible();
  // Train is disabled with the same reason, where the user looks for it, instead of failing after Start.
  await expect(studio.byTestId('train-start')).toBeDisabled();
  await expect(studio.byTestId('train-blocked-reason')).toContainText('The data cannot be read');
  await page.screenshot({ path: testInfo.outputPath('lines-file-as-csv.png') });
});
