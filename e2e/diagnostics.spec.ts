// Classifier diagnostics (issue #15) end to end in the browser host: train the sentiment sample (bundled e-mail
// subjects) for two epochs, open Predict, diagnose the run on its validation split and find the confusion matrix,
// the ROC and precision–recall curves with their AUCs, and the misclassified list.
import { test, expect } from './fixtures';

test('train the text sample, diagnose it: confusion matrix, ROC/PR curves with AUC, misclassified examples', async ({
  studioApp,
}, testInfo) => {
  const { studio, page } = studioApp;
  await page.setViewportSize({ width: 1440, height: 900 });
  await studio.trainSample('sentiment-lstm', 2);

  await studio.openTab('predict');
  const view = studio.byTestId('diagnostics-view');
  await expect(view).toBeVisible({ timeout: 30_000 });
  await studio.byTestId('diagnostics-run').click();
  const matrix = studio.byTestId('diagnostics-confusion');
  await expect(matrix).toBeVisible({ timeout: 60_000 });

  // The matrix covers the whole validation split (20% of the 4,124 subject lines).
  const summary = studio.byTestId('diagnostics-summary');
  const count = Number(await summary.getAttribute('data-count'));
  expect(count).toBe(825);
  await expect(matrix).toHaveAttribute('data-total', String(count));
  const cells = await Promise.all(
    [0, 1].flatMap((i) => [0, 1].map((j) => studio.byTestId(`confusion-${i}-${j}`).getAttribute('data-count'))),
  );
  expect(cells.map(Number).reduce((a, b) => a + b, 0)).toBe(count);
  await expect(matrix).toContainText('ham');
  await expect(matrix).toContainText('spam');

  // One curve each (binary: the positive class), the AUC in the title and in range.
  for (const id of ['diagnostics-roc', 'diagnostics-pr']) {
    const chart = studio.byTestId(id);
    await expect(chart).toHaveAttribute('data-curves', '1');
    const area = Number(await chart.getAttribute('data-areas'));
    expect(area).toBeGreaterThanOrEqual(0);
    expect(area).toBeLessThanOrEqual(1);
    await expect(chart.locator('.recharts-line-curve').last()).toBeVisible();
  }
  await expect(page.locator('.chart-card h4', { hasText: /^ROC — AUC 0\.\d{3}$/ })).toBeVisible();
  await expect(page.locator('.chart-card h4', { hasText: /^Precision–recall — AP 0\.\d{3}$/ })).toBeVisible();

  // The mistakes: at most 50, the most confident first, each naming a true and a different predicted class.
  const list = studio.byTestId('diagnostics-misclassified');
  await expect(list).toBeVisible();
  const rows = studio.byTestId('diagnostics-mistake');
  const n = await rows.count();
  expect(n).toBeGreaterThan(0);
  expect(n).toBeLessThanOrEqual(50);
  const first = rows.first().locator('td');
  expect(await first.nth(1).textContent()).not.toBe(await first.nth(2).textContent());

  await view.scrollIntoViewIfNeeded();
  await studio.byTestId('diagnostics-run').scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('diagnostics-1440x900.png') });
  await view.screenshot({ path: testInfo.outputPath('diagnostics-view-1440.png') });
  await page.setViewportSize({ width: 1024, height: 700 });
  await studio.byTestId('diagnostics-roc').scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('diagnostics-1024x700.png') });
  // Nothing in the view spills out sideways at the narrow size.
  const overflow = await view.evaluate((el) => el.scrollWidth - el.clientWidth);
  expect(overflow).toBeLessThanOrEqual(1);
});
