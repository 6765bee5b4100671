// Insight end to end in the browser host, with real training: New from template, autofix in the builder, the estimate
// before Start against the real epochs, the gradient flow through time with its verdict, Replay (exact) and the
// comparison of a template family.
import { test, expect } from './fixtures';

test('template → autofix → estimate → train with gradient flow → replay exactly → compare the family', async ({
  studioApp,
}, testInfo) => {
  const { studio, page } = studioApp;
  await studio.byTestId('project-template').click();
  await expect(studio.byTestId('template-dialog')).toContainText('Temperature forecasting with GRUs');
  await studio.byTestId('template-forecast-gru').click();
  await studio.confirmGuardIfShown();
  await expect(studio.byTestId('project-name')).toHaveText('ch6 forecast: GRU');
  await studio.openTab('builder');
  await expect(studio.nodes()).toHaveCount(2);

  // Autofix: a GRU that returns sequences into Dense → both remedies offered on the node; pooling makes it valid.
  await studio.selectNode(0);
  await studio.setParam('returnSequences', true);
  await expect(studio.byTestId('layer-error-1')).toContainText('must output one vector per sample');
  await expect(studio.byTestId('layer-fix-1')).toHaveCount(2);
  await studio.byTestId('layer-fix-1').filter({ hasText: 'Set returnSequences: false' }).click();
  await expect(studio.byTestId('layer-error-1')).toHaveCount(0);
  await expect(studio.byTestId('train-start')).toBeEnabled();

  await studio.setEpochs(2);
  await studio.byTestId('estimate-button').click();
  await expect(studio.byTestId('estimate-line')).toContainText(/per epoch → .* for 2 epochs on (wasm|cpu|tensorflow)/, {
    timeout: 60_000,
  });
  await studio.byTestId('train-start').click();
  await expect(studio.byTestId('train-progress')).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
  await expect(studio.byTestId('estimate-vs-actual')).toContainText('Estimate vs actual');

  // Gradient flow through time: a heatmap of 36 timesteps for the GRU, and a verdict with its numbers.
  await expect
    .poll(async () => Number(await studio.byTestId('gradient-flow').getAttribute('data-samples')))
    .toBeGreaterThan(0);
  await expect(studio.byTestId('gradient-flow-heatmap-0')).toHaveAttribute('data-timesteps', '36');
  await expect(studio.byTestId('gradient-flow-verdict-0')).toHaveAttribute(
    'data-verdict',
    /^(vanishing|healthy|exploding)$/,
  );
  await expect(studio.byTestId('gradient-flow-verdict-0')).toContainText('at the earliest timesteps');
  await page.screenshot({ path: testInfo.outputPath('gradient-flow.png'), fullPage: true });

  // Replay: same seed, data, spec and backend → the same numbers, bit for bit.
  await studio.openTab('runs');
  await studio.runRow().first().getByRole('button').first().click();
  await expect(studio.byTestId('run-provenance')).toContainText('seed 1337');
  await expect(studio.byTestId('detail-estimate-vs-actual')).toBeVisible();
  await studio.byTestId('run-replay').click();
  await expect(studio.byTestId('train-progress')).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
  await studio.openTab('runs');
  await expect(studio.runRow()).toHaveCount(2);
  await studio.runRow().first().getByRole('button').first().click();
  await expect(studio.byTestId('replay-report')).toHaveAttribute('data-verdict', 'exact', { timeout: 30_000 });
  await expect(studio.byTestId('replay-report')).toContainText('bit-for-bit equal');

  // The template family's runs overlaid.
  await studio.byTestId('compare-family').selectOption('forecast');
  await expect(studio.byTestId('family-compare')).toHaveAttribute('data-runs', '2');
  await expect(studio.byTestId('family-chart-loss')).toHaveAttribute('data-lines', '2');
  await page.screenshot({ path: testInfo.outputPath('family-compare.png'), fullPage: true });
});
