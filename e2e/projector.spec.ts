// The Embedding projector end to end in the browser host: train the sentiment sample (bundled e-mail subjects) for two
// epochs, open the run, project its Embedding by PCA and t-SNE, find a frequent word and read its nearest neighbours.
import { test, expect } from './fixtures';

test("train the text sample, project its Embedding (PCA, t-SNE) and list a word's nearest neighbours", async ({
  studioApp,
}, testInfo) => {
  const { studio, page } = studioApp;
  await studio.trainSample('sentiment-lstm', 2);

  await studio.openTab('runs');
  await page.locator('[data-testid^="run-open-"]').first().click();
  await expect(studio.byTestId('run-detail')).toHaveAttribute('data-run-id', /.+/);
  const projector = studio.byTestId('projector');
  await projector.scrollIntoViewIfNeeded();
  await studio.byTestId('projector-open').click();

  // PCA: the most frequent words (the vocabulary is smaller than 2,000), with the two components' variance.
  const summary = studio.byTestId('projector-summary');
  await expect(summary).toHaveAttribute('data-method', 'pca', { timeout: 60_000 });
  const pcaPoints = Number(await summary.getAttribute('data-points'));
  expect(pcaPoints).toBeGreaterThan(100);
  await expect(summary).toContainText(/PC1 \d+\.\d%, PC2 \d+\.\d% of the variance/);
  await expect(studio.byTestId('projector-chart')).toHaveAttribute('data-points', String(pcaPoints));
  // The most frequent words are labelled on the chart.
  await expect(studio.byTestId('projector-chart').locator('text', { hasText: /^re$/ }).first()).toBeVisible();

  // Find a frequent word: it is highlighted and its ten nearest neighbours are listed with cosine similarities.
  await studio.byTestId('projector-search').fill('The');
  await studio.byTestId('projector-search-go').click();
  await expect(studio.byTestId('projector-neighbours')).toHaveAttribute('data-count', '10');
  await expect(studio.byTestId('projector-query-word')).toHaveText('the');
  await expect(studio.byTestId('projector-chart')).toHaveAttribute('data-highlight', 'the');
  const sims = await studio.byTestId('projector-neighbours').locator('td.num').allInnerTexts();
  const values = sims.map(Number);
  expect(values.every((v) => v >= -1 && v <= 1)).toBe(true);
  expect([...values].sort((a, b) => b - a)).toEqual(values);
  await projector.screenshot({ path: testInfo.outputPath('projector-pca-1440.png') });

  // An unknown word gets a clear message.
  await studio.byTestId('projector-search').fill('zzzqqq');
  await studio.byTestId('projector-search-go').click();
  await expect(studio.byTestId('projector-search-error')).toContainText('"zzzqqq" is not in this run\'s vocabulary');

  // t-SNE: the 1,000 most frequent words (or all, when fewer), seeded.
  await studio.byTestId('projector-search').fill('the');
  await studio.byTestId('projector-search-go').click();
  await expect(studio.byTestId('projector-neighbours')).toHaveAttribute('data-count', '10');
  await studio.byTestId('projector-method-tsne').click();
  await expect(summary).toHaveAttribute('data-method', 'tsne', { timeout: 120_000 });
  await expect(summary).toContainText(/t-SNE perplexity 30, 500 steps, seed 1/);
  expect(Number(await summary.getAttribute('data-points'))).toBe(Math.min(1000, pcaPoints));
  await expect(studio.byTestId('projector-chart')).toHaveAttribute('data-highlight', 'the');
  await expect(studio.byTestId('projector-chart').locator('text', { hasText: /^the$/ }).first()).toBeVisible();
  // Hovering the searched word's dot names it.
  await studio.byTestId('projector-chart').locator('circle[r="6"]').first().hover();
  await expect(studio.byTestId('projector-tooltip')).toContainText('the');
  await projector.screenshot({ path: testInfo.outputPath('projector-tsne-1440.png') });
  await page.screenshot({ path: testInfo.outputPath('projector-page-1440x900.png') });

  // Back to PCA (kept, not recomputed), at a smaller window.
  await studio.byTestId('projector-method-pca').click();
  await expect(summary).toHaveAttribute('data-method', 'pca');
  await page.setViewportSize({ width: 1024, height: 700 });
  await projector.scrollIntoViewIfNeeded();
  await expect(studio.byTestId('projector-neighbours')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('projector-page-1024x700.png') });
  await projector.screenshot({ path: testInfo.outputPath('projector-pca-1024.png') });
});
