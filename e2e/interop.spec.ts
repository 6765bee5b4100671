// Keras interop in the studio: export a finished run as a Keras 3 .keras file (downloaded by the browser), then
// import that file through "Import model…" and find the same layers on the canvas, weights included.
import { expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { listZip } from '../main/interop/zip';
import { repoRoot, test } from './fixtures';
import type { StudioPage } from './pages/studio-page';

/** A run trained for real by our engine, stored as the studio stores runs, opened in the Runs tab with Export… pressed. */
async function openExportOfTrainedRun(studio: StudioPage, userDataDir: string): Promise<void> {
  execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/interop-fixtures.ts',
      'studio-run',
      join(userDataDir, 'runs'),
      'e2e-run',
      'stacked_bidirectional',
    ],
    { cwd: repoRoot, stdio: 'ignore' },
  );
  await studio.openTab('runs');
  await studio.byTestId('runs-refresh').click();
  await studio.byTestId('run-open-e2e-run').click();
  await studio.byTestId('run-export').click();
}

test('export a run as .keras and import it back onto the canvas', async ({ studioApp }) => {
  const { studio, page, userDataDir } = studioApp;
  await openExportOfTrainedRun(studio, userDataDir);
  await expect(studio.byTestId('export-dialog')).toBeVisible();
  await studio.byTestId('export-format-keras').check();
  const downloaded = page.waitForEvent('download');
  await studio.byTestId('export-confirm').click();
  const download = await downloaded;
  expect(download.suggestedFilename()).toBe('stacked_bidirectional.keras');
  await expect(studio.byTestId('export-result')).toContainText(join(userDataDir, 'exports', 'e2e-run'));
  await expect(studio.byTestId('export-hint')).toContainText('keras.saving.load_model');
  const file = join(userDataDir, 'downloaded.keras');
  await download.saveAs(file);
  await studio.byTestId('export-close').click();

  await studio.openTab('builder');
  await studio.byTestId('model-import-input').setInputFiles(file);
  await studio.confirmGuardIfShown();
  const summary = studio.byTestId('import-summary');
  await expect(summary).toBeVisible();
  await expect(summary).toHaveAttribute('data-weights', 'true');
  await expect(summary).toHaveAttribute('data-source', 'keras');
  await studio.page.screenshot({ path: 'test-results/interop-import.png' });
  await studio.byTestId('import-close').click();
  await expect(studio.nodes()).toHaveCount(3);
  await expect(studio.node(0)).toContainText('Bidirectional');
});

test('a TF.js export (several files) downloads as one zip with its folder', async ({ studioApp }) => {
  const { studio, page, userDataDir } = studioApp;
  await openExportOfTrainedRun(studio, userDataDir);
  await studio.byTestId('export-format-tfjs').check();
  const downloaded = page.waitForEvent('download');
  await studio.byTestId('export-confirm').click();
  const download = await downloaded;
  expect(download.suggestedFilename()).toMatch(/-tfjs\.zip$/);
  const file = join(userDataDir, 'downloaded.zip');
  await download.saveAs(file);
  expect(listZip(readFileSync(file)).some((n) => /-tfjs\/model\.json$/.test(n))).toBe(true);
  await expect(studio.byTestId('export-result')).toContainText('downloaded as');
});
