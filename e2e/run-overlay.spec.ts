// Many-run overlay (issue #15): three finished runs, one tagged from its detail view, the list filtered by that tag
// and by status, all three overlaid (one chart per log, one line per run) and one of them hidden from the charts.
// The runs are written as the studio stores them (run.json with two epochs each): the overlay needs no model.
import { expect } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, test } from './fixtures';

function writeRun(
  userDataDir: string,
  id: string,
  name: string,
  status: string,
  scale: number,
  minutesAgo: number,
  family: string | null,
): void {
  const spec = JSON.parse(readFileSync(join(repoRoot, 'examples', 'forecast-gru.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  if (family) spec.template = { family, id: `${family}-gru` };
  const epochRecords = [0, 1].map((epoch) => ({
    kind: 'epoch',
    epoch,
    epochs: 2,
    gradNorms: {},
    globalGradNorm: 1,
    seconds: 1,
    logs: {
      loss: scale * (1 - 0.3 * epoch),
      val_loss: scale * (1.1 - 0.25 * epoch),
      mae: scale * (0.8 - 0.2 * epoch),
      val_mae: scale * (0.9 - 0.2 * epoch),
    },
  }));
  mkdirSync(join(userDataDir, 'runs', id), { recursive: true });
  writeFileSync(
    join(userDataDir, 'runs', id, 'run.json'),
    JSON.stringify({
      id,
      name,
      createdAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      status,
      spec,
      dataPath: '/nowhere',
      epochs: 2,
      backend: null,
      dataSummary: null,
      layers: [],
      result: null,
      error: null,
      epochRecords,
    }),
  );
}

test('tag a run, filter by the tag and status, overlay three runs and hide one', async ({ studioApp }, testInfo) => {
  const { studio, page, userDataDir } = studioApp;
  writeRun(userDataDir, 'gru-a', 'GRU 32 baseline', 'completed', 1, 3, 'forecast');
  writeRun(userDataDir, 'gru-b', 'GRU 64 wide', 'completed', 0.8, 2, 'forecast');
  writeRun(userDataDir, 'lstm-c', 'LSTM 32', 'stopped', 1.2, 1, null);

  await studio.openTab('runs');
  await studio.byTestId('runs-refresh').click();
  await expect(studio.runRow()).toHaveCount(3);

  // Tag one run from its detail view: trimmed and deduplicated, shown as chips in the detail and the list.
  await studio.byTestId('run-open-gru-b').click();
  await studio.byTestId('run-tags-input').fill(' wide , lr-sweep, wide');
  await studio.byTestId('run-tags-save').click();
  await expect(studio.byTestId('run-detail-tags')).toHaveAttribute('data-count', '2');
  await expect(studio.byTestId('run-tags-gru-b').getByTestId('run-tag-chip')).toHaveText(['wide', 'lr-sweep']);
  await studio.byTestId('run-tags-input').fill(Array.from({ length: 11 }, (_, i) => `t${i}`).join(','));
  await expect(studio.byTestId('run-tags-problem')).toContainText('at most 10 tags');
  await expect(studio.byTestId('run-tags-save')).toBeDisabled();
  await page.screenshot({ path: testInfo.outputPath('tags-1440x900.png') });

  // Filter: by tag, by free text (name or template family), by status.
  const filter = studio.byTestId('runs-filter');
  await filter.fill('tag:lr-sweep');
  await expect(studio.runRow()).toHaveCount(1);
  await expect(studio.runRow('gru-b')).toBeVisible();
  await expect(studio.byTestId('runs-shown')).toHaveText('1 of 3');
  await filter.fill('tag:lr');
  await expect(studio.byTestId('runs-none-match')).toBeVisible();
  await filter.fill('forecast');
  await expect(studio.runRow()).toHaveCount(2);
  await filter.fill('');
  await studio.byTestId('runs-status-filter').selectOption('stopped');
  await expect(studio.runRow()).toHaveCount(1);
  await expect(studio.runRow('lstm-c')).toBeVisible();
  await studio.byTestId('runs-status-filter').selectOption('');
  await expect(studio.runRow()).toHaveCount(3);

  // Overlay all three: one chart per log, one line per run, a legend of run names.
  await expect(studio.byTestId('runs-overlay')).toBeDisabled();
  for (const id of ['gru-a', 'gru-b', 'lstm-c']) await studio.byTestId(`run-check-${id}`).check();
  await expect(studio.byTestId('runs-overlay')).toHaveText('Overlay 3 runs');
  await studio.byTestId('runs-overlay').click();
  const overlay = studio.byTestId('overlay-view');
  await expect(overlay).toHaveAttribute('data-runs', '3');
  for (const log of ['loss', 'val_loss', 'val_mae']) {
    await expect(studio.byTestId(`overlay-chart-${log}`)).toHaveAttribute('data-lines', '3');
    await expect(studio.byTestId(`overlay-chart-${log}`)).toHaveAttribute('data-points', '2');
    await expect(studio.byTestId(`overlay-chart-${log}`).locator('.recharts-line-curve')).toHaveCount(3);
  }
  await expect(studio.byTestId('overlay-legend')).toContainText('GRU 32 baseline');
  await expect(studio.byTestId('overlay-legend')).toContainText('LSTM 32');
  await page.setViewportSize({ width: 1440, height: 900 });
  await overlay.scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('overlay-1440x900.png') });

  // Hide one run: it leaves every chart, and comes back.
  await studio.byTestId('overlay-toggle-lstm-c').click();
  await expect(studio.byTestId('overlay-toggle-lstm-c')).toHaveAttribute('aria-pressed', 'false');
  await expect(overlay).toHaveAttribute('data-visible', '2');
  for (const log of ['loss', 'val_loss', 'val_mae'])
    await expect(studio.byTestId(`overlay-chart-${log}`).locator('.recharts-line-curve')).toHaveCount(2);
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.mouse.move(1, 1); // no hover tooltip in the picture
  await overlay.scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('overlay-1024x700.png') });
  // A log can be left out of the overlay.
  await studio.byTestId('overlay-log-loss').uncheck();
  await expect(studio.byTestId('overlay-chart-loss')).toHaveCount(0);
  await studio.byTestId('overlay-toggle-lstm-c').click();
  await expect(overlay).toHaveAttribute('data-visible', '3');

  // The two-run comparison still works beside it.
  await studio.byTestId('compare-select-a').selectOption('gru-a');
  await studio.byTestId('compare-select-b').selectOption('lstm-c');
  await expect(studio.byTestId('compare-view')).toHaveAttribute('data-run-b', 'lstm-c');
  await expect(studio.byTestId('compare-chart-loss')).toHaveAttribute('data-lines', '2');
});
