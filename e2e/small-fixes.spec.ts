// Small fixes, each driven the way a user meets it, with screenshots at 1440×900 and 1024×700.
import { test, expect } from './fixtures';
import type { StudioPage } from './pages/studio-page';

async function newBlankProject(studio: StudioPage): Promise<void> {
  await studio.byTestId('project-new').click();
  await studio.confirmGuardIfShown();
  await expect(studio.nodes()).toHaveCount(0);
}

async function add(studio: StudioPage, className: string): Promise<void> {
  const n = await studio.nodes().count();
  await studio.byTestId(`palette-add-${className}`).click();
  await expect(studio.nodes()).toHaveCount(n + 1);
}

test('a Bidirectional dropped below the Dense: the fixes on it act on it, not on the Dense above', async ({
  studioApp,
}, testInfo) => {
  const { studio, page } = studioApp;
  await newBlankProject(studio);
  await add(studio, 'Embedding');
  await add(studio, 'Bidirectional');
  await studio.selectNode(1);
  await studio.setParam('returnSequences', true);
  await add(studio, 'Dense');
  await add(studio, 'Bidirectional');
  await studio.selectNode(3);
  await studio.setParam('returnSequences', true);
  const fixes = studio.byTestId('layer-fix-3');
  await expect(fixes).toHaveText(['Set returnSequences: false on "lstm_1"']);
  await expect(page.getByText('Add GlobalAveragePooling1D before "dense"')).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('quick-fix-bidirectional-1440x900.png') });
  await page.setViewportSize({ width: 1024, height: 700 });
  await studio.node(3).scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('quick-fix-bidirectional-1024x700.png') });
  await fixes.click();
  await expect(studio.byTestId('layer-shape-3')).toHaveText('(None, 64)');
});

test('change layer type: SimpleRNN → LSTM → GRU keeps units and dropouts', async ({ studioApp }, testInfo) => {
  const { studio, page } = studioApp;
  await newBlankProject(studio);
  await add(studio, 'Embedding');
  await add(studio, 'SimpleRNN');
  await studio.selectNode(1);
  await studio.setParam('units', '48');
  await studio.setParam('dropout', '0.2');
  await studio.setParam('layerClass', 'LSTM');
  await expect(studio.node(1)).toHaveAttribute('data-layer-class', 'LSTM');
  await expect(studio.byTestId('param-units')).toHaveValue('48');
  await expect(studio.byTestId('param-dropout')).toHaveValue('0.2');
  await expect(studio.byTestId('param-recurrentActivation')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('change-layer-type-1440x900.png') });
  await page.setViewportSize({ width: 1024, height: 700 });
  await studio.setParam('layerClass', 'GRU');
  await expect(studio.node(1)).toHaveAttribute('data-layer-class', 'GRU');
  await expect(studio.byTestId('param-units')).toHaveValue('48');
  await expect(studio.byTestId('param-dropout')).toHaveValue('0.2');
  await page.screenshot({ path: testInfo.outputPath('change-layer-type-1024x700.png') });
  // Undo steps back through the classes.
  await page.keyboard.press('Control+z');
  await expect(studio.node(1)).toHaveAttribute('data-layer-class', 'LSTM');
});

test('runs can be renamed from the list and the detail; New drops the finished run from the status bar and Training tab', async ({
  studioApp,
}, testInfo) => {
  test.setTimeout(240_000);
  const { studio, page } = studioApp;
  // The window opens on the text sample, never saved: the run takes the spec's name.
  await expect(studio.nodes()).not.toHaveCount(0);
  await studio.byTestId('train-start').click();
  await studio.byTestId('train-stop').click();
  await expect(studio.byTestId('train-progress')).toHaveAttribute('data-status', /stopped|completed|early-stopped/, {
    timeout: 120_000,
  });
  await expect(studio.byTestId('current-run-id')).toBeVisible();

  await studio.openTab('runs');
  const row = studio.runRow().first();
  await expect(row).toBeVisible();
  const runId = (await row.getAttribute('data-testid'))!.replace('run-row-', '');
  await expect(studio.byTestId('status-bar')).toContainText(`run ${runId}:`);
  await studio.byTestId(`run-rename-${runId}`).click();
  const nameField = studio.byTestId('run-rename-name');
  await nameField.fill(' ');
  await expect(studio.byTestId('run-rename-problem')).toHaveText('A run needs a name.');
  await expect(studio.byTestId('run-rename-confirm')).toBeDisabled();
  await nameField.fill('x'.repeat(201));
  await expect(studio.byTestId('run-rename-problem')).toContainText('200 characters');
  await nameField.fill('first LSTM try');
  await page.screenshot({ path: testInfo.outputPath('rename-run-dialog-1440x900.png') });
  await studio.byTestId('run-rename-confirm').click();
  await expect(studio.byTestId(`run-open-${runId}`)).toHaveText('first LSTM try');

  await studio.byTestId(`run-open-${runId}`).click();
  await studio.byTestId('run-rename-detail').click();
  await nameField.fill('LSTM, stopped early');
  await nameField.press('Enter');
  await expect(studio.byTestId('run-detail-name')).toContainText('LSTM, stopped early');
  await expect(studio.byTestId(`run-open-${runId}`)).toHaveText('LSTM, stopped early');
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.screenshot({ path: testInfo.outputPath('rename-run-detail-1024x700.png') });
  await page.setViewportSize({ width: 1440, height: 900 });

  // Another project: the previous project's finished run is no longer shown as the current one.
  await newBlankProject(studio);
  await expect(studio.byTestId('status-bar')).not.toContainText(`run ${runId}`);
  await studio.openTab('training');
  await expect(studio.byTestId('current-run-id')).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('new-project-no-stale-run-1440x900.png') });
  // The run itself is still listed under its new name.
  await studio.openTab('runs');
  await expect(studio.byTestId(`run-open-${runId}`)).toHaveText('LSTM, stopped early');
});
