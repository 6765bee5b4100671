// Issue #15: weights and gradients over time (TensorBoard's distributions and histograms) in the browser host, with
// real training: the forecast sample for 3 epochs gives one band per epoch for every trainable tensor, the last
// epoch's 30-bin histogram, the gradients on request, and the same view in the run's details.
import { test, expect } from './fixtures';

test('forecast sample, 3 epochs: a distribution band per epoch and the last histogram, live and in the run details', async ({
  studioApp,
}, testInfo) => {
  const { studio, page } = studioApp;
  await page.setViewportSize({ width: 1440, height: 900 });
  await studio.useSample('forecast-gru');
  await studio.setEpochs(3);
  await studio.byTestId('panel-train-start').click();
  await expect(studio.byTestId('run-result')).toHaveAttribute('data-status', 'completed', { timeout: 180_000 });
  const runId = (await studio.byTestId('current-run-id').textContent())!.replace(/^run (\S+).*$/, '$1');

  const view = studio.byTestId('histograms');
  await expect(view).toHaveAttribute('data-epochs', '3');
  // GRU: kernel, recurrent kernel, bias; Dense: kernel, bias.
  await expect(view).toHaveAttribute('data-tensors', '5');
  const tensors = await studio.byTestId('histograms-tensor').locator('option').allTextContents();
  expect(tensors.some((t) => /recurrent_kernel/.test(t))).toBe(true);
  await expect(studio.byTestId('histograms-distribution')).toHaveAttribute('data-bands', '3');
  await expect(studio.byTestId('histograms-band')).toHaveCount(3);
  await expect(studio.byTestId('histograms-last')).toHaveAttribute('data-bins', '30');
  await expect(studio.byTestId('histograms-last')).toHaveAttribute('data-epoch', '3');
  await expect(studio.byTestId('histograms-stats')).toContainText(/min .* max .* mean .* std/);

  // The recurrent kernel's gradient (the epoch's last batch).
  await studio.byTestId('histograms-tensor').selectOption(tensors.find((t) => /recurrent_kernel/.test(t))!);
  await studio.byTestId('histograms-which-gradients').check();
  await expect(studio.byTestId('histograms-distribution')).toHaveAttribute('data-which', 'gradients');
  await expect(studio.byTestId('histograms-distribution')).toHaveAttribute('data-bands', '3');
  await expect(studio.byTestId('histograms-band')).toHaveCount(3);
  await expect(studio.byTestId('histograms-stats')).toContainText('gradient of');
  await view.scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('histograms-1440x900.png') });
  await view.screenshot({ path: testInfo.outputPath('histograms-card-1440x900.png') });

  // The run's details read histograms.jsonl back through getRun.
  await page.setViewportSize({ width: 1024, height: 700 });
  await studio.openTab('runs');
  await studio.byTestId(`run-open-${runId}`).click();
  const detail = studio.byTestId('detail-histograms');
  await expect(detail).toHaveAttribute('data-epochs', '3');
  await expect(studio.byTestId('detail-histograms-band')).toHaveCount(3);
  await expect(studio.byTestId('detail-histograms-last')).toHaveAttribute('data-bins', '30');
  await detail.scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('histograms-detail-1024x700.png') });
});
