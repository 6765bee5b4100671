// Look inside an LSTM (issue #15) end to end in the browser host: train the sentiment sample (bundled e-mail subjects)
// for two epochs, predict a sentence, open Look inside and find the states/gates heatmaps and the coloured tokens.
import { test, expect } from './fixtures';

test('train the text sample, predict a sentence, look inside its LSTM: heatmaps per gate and tokens by contribution', async ({
  studioApp,
}, testInfo) => {
  const { studio, page } = studioApp;
  await page.setViewportSize({ width: 1440, height: 900 });
  await studio.trainSample('sentiment-lstm', 2);

  await studio.openTab('predict');
  const sentence = 'Re: meeting tomorrow about the project budget, free prize inside';
  await studio.byTestId('predict-text-input').fill(sentence);
  await studio.byTestId('predict-text-submit').click();
  await expect(studio.byTestId('predict-text-result')).toBeVisible({ timeout: 60_000 });

  await studio.byTestId('inside-open').click();
  const result = studio.byTestId('inside-result');
  await expect(result).toBeVisible({ timeout: 60_000 });
  // One LSTM layer over the model's 40 timesteps.
  await expect(result).toHaveAttribute('data-layers', '1');
  await expect(result).toHaveAttribute('data-steps', '40');
  await expect(studio.byTestId('inside-layer-select')).toContainText('LSTM(32)');

  // h_t, c_t, the three gates and the candidate, each a heatmap of the top 16 units over the sentence's tokens.
  for (const key of ['h', 'c', 'i', 'f', 'o', 'g']) {
    const map = studio.byTestId(`inside-heatmap-${key}`);
    await expect(map).toBeVisible();
    await expect(map).toHaveAttribute('data-units', '16');
    const steps = Number(await map.getAttribute('data-steps'));
    expect(steps).toBeGreaterThan(3);
    expect(steps).toBeLessThan(40);
    await expect(map.locator('rect')).toHaveCount(16 * steps);
  }
  // The tokens the model saw, along the axis and coloured by their occlusion contribution.
  await expect(studio.byTestId('inside-heatmap-h').locator('svg text', { hasText: /^meeting$/ })).toHaveCount(1);
  const tokens = studio.byTestId('inside-tokens').locator('[data-testid^="inside-token-"]');
  const n = await tokens.count();
  expect(n).toBe(Number(await studio.byTestId('inside-heatmap-h').getAttribute('data-steps')));
  await expect(tokens.filter({ hasText: /^budget$/ })).toHaveCount(1);
  const contributions = (
    await Promise.all(Array.from({ length: n }, (_, i) => tokens.nth(i).getAttribute('data-contribution')))
  ).map(Number);
  expect(contributions.every(Number.isFinite)).toBe(true);
  expect(contributions.some((c) => c !== 0)).toBe(true);
  const colours = await tokens.evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
  expect(new Set(colours).size).toBeGreaterThan(1);
  await expect(studio.byTestId('inside-output')).toHaveText(/^\d+\.\d%$/);

  await studio.byTestId('inside-view').scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('inside-1440x900.png') });

  // Chosen units instead of the top k; the padding steps on demand.
  await studio.byTestId('inside-units').fill('0, 3, 31');
  await expect(studio.byTestId('inside-heatmap-f')).toHaveAttribute('data-units', '3');
  await studio.byTestId('inside-show-padding').check();
  await expect(studio.byTestId('inside-heatmap-f')).toHaveAttribute('data-steps', '40');
  await studio.byTestId('inside-show-padding').uncheck();
  await studio.byTestId('inside-units').fill('');

  await page.setViewportSize({ width: 1024, height: 700 });
  await studio.byTestId('inside-view').scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('inside-1024x700.png') });
});
