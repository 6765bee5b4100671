// Issue #15: every control stays reachable from 1024×640 up — the header wraps, Stop sits beside the progress bar,
// the builder's rows keep their delete buttons, Train says why it is disabled, and '?' lists the shortcuts.
import { test, expect } from './fixtures';
import { LayoutPage } from './pages/layout';

const SIZES = [
  { width: 1024, height: 640 },
  { width: 1024, height: 700 },
  { width: 1440, height: 900 },
] as const;

const LONG_NAME =
  `A forecaster of hourly Seattle weather normals with a very long descriptive project name ${'x'.repeat(200)}`.slice(
    0,
    120,
  );

test('header and run controls stay inside the viewport while training with a long name; Stop beside the progress bar stops', async ({
  studioApp,
}, testInfo) => {
  const { studio, page } = studioApp;
  const layout = new LayoutPage(page);
  await studio.useSample('forecast-gru');
  await layout.saveAs(LONG_NAME);

  // The most epochs the form takes: the widest status text (six-digit count, ETA in hundreds of hours), which once pushed
  // the run controls over Undo/Redo at 1440 px.
  await studio.setEpochs(100000);
  await studio.byTestId('train-start').click();
  await expect(studio.byTestId('train-progress')).toHaveAttribute('data-status', 'running', { timeout: 120_000 });
  await expect(studio.byTestId('header-run-status')).toBeVisible();

  for (const size of SIZES) {
    await page.setViewportSize(size);
    // Let the layout settle on the new size (one frame is enough; the run keeps updating the status text).
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: testInfo.outputPath(`training-${size.width}x${size.height}.png`) });
    const at = `${size.width}×${size.height}`;
    await layout.expectReachable(layout.header(), `header at ${at}`, 10);
    await layout.expectReachable(layout.panelRunControls(), `training run controls at ${at}`, 3);
    // The long name is cut short (ellipsis) inside the window instead of pushing the controls out.
    const title = page.locator('.project-title');
    await expect(title, 'the whole name on hover').toHaveAttribute('title', LONG_NAME);
    const box = (await title.boundingBox())!;
    expect(box.x + box.width, `project title at ${at}`).toBeLessThanOrEqual(size.width);
    expect(await title.evaluate((el) => el.scrollWidth > el.clientWidth), `project title ellipsized at ${at}`).toBe(
      true,
    );
  }

  // The run controls beside the progress bar act on the run: pause, resume, stop.
  await page.setViewportSize(SIZES[0]);
  const panel = layout.panelRunControls();
  await panel.getByTestId('panel-train-pause').click();
  await expect(studio.byTestId('train-progress')).toHaveAttribute('data-status', 'paused', { timeout: 60_000 });
  await panel.getByTestId('panel-train-resume').click();
  await expect(studio.byTestId('train-progress')).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  await panel.getByTestId('panel-train-stop').click();
  await expect(studio.byTestId('train-progress')).toHaveAttribute('data-status', 'stopped', { timeout: 60_000 });
  await expect(studio.byTestId('train-stop')).toBeDisabled();
});

test('builder rows keep their shape on one line and every delete button is visible at 1024 px', async ({
  studioApp,
}, testInfo) => {
  const { studio, page } = studioApp;
  const layout = new LayoutPage(page);
  await studio.openTab('builder');
  // The text sample, with its first recurrent layer wrapped in Bidirectional: the widest row the sample makes.
  await expect(studio.nodes().first()).toBeVisible();
  const wrap = page.locator('[data-testid^="layer-wrap-"]').first();
  if (await wrap.count()) await wrap.click();
  for (const size of SIZES.slice(0, 2)) {
    await page.setViewportSize(size);
    await page.screenshot({ path: testInfo.outputPath(`builder-${size.width}x${size.height}.png`) });
    const count = await studio.nodes().count();
    expect(count).toBeGreaterThan(1);
    for (let i = 0; i < count; i++) {
      await studio.node(i).scrollIntoViewIfNeeded();
      const del = studio.byTestId(`layer-delete-${i}`);
      const { problems } = await layout.unreachable(studio.node(i));
      expect(problems, `row ${i} at ${size.width}×${size.height}`).toEqual([]);
      await expect(del).toBeInViewport({ ratio: 1 });
      const shape = studio.byTestId(`layer-shape-${i}`);
      const lineHeight = await shape.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || 18);
      const box = (await shape.boundingBox())!;
      expect(box.height, `layer-shape-${i} on one line at ${size.width}×${size.height}`).toBeLessThan(lineHeight * 1.5);
    }
  }
});

test('a disabled Train says why in visible text, with a way to the cause', async ({ studioApp }, testInfo) => {
  const { studio, page } = studioApp;
  await page.setViewportSize(SIZES[0]);
  await studio.openTab('builder');
  await studio.clearCanvas();
  await expect(studio.byTestId('train-start')).toBeDisabled();
  await studio.openTab('training');
  const reason = studio.byTestId('train-blocked-reason');
  await expect(reason).toBeVisible();
  await expect(reason).toContainText(/problem|layer/i);
  await expect(reason).toBeInViewport({ ratio: 1 });
  // The Training tab lists every reason, each with a button to where it is fixed.
  await expect(studio.byTestId('train-blockers')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('train-blocked-1024x640.png') });
  await studio.byTestId('train-blocker-goto-0').click();
  await expect(studio.byTestId('tab-builder')).toHaveAttribute('aria-selected', 'true');
  // And the header's reason leads there too, from any tab.
  await studio.openTab('runs');
  await reason.click();
  await expect(studio.byTestId('tab-builder')).toHaveAttribute('aria-selected', 'true');
});

test("'?' opens an overlay listing the keyboard shortcuts", async ({ studioApp }, testInfo) => {
  const { studio, page } = studioApp;
  await page.setViewportSize(SIZES[0]);
  await expect(studio.byTestId('tab-builder')).toBeVisible();
  await page.locator('body').click({ position: { x: 5, y: 600 } });
  await page.keyboard.press('Shift+Slash');
  const overlay = studio.byTestId('shortcuts-overlay');
  await expect(overlay).toBeVisible();
  for (const keys of [
    'Ctrl+Z',
    'Ctrl+Shift+Z',
    'Ctrl+Y',
    'Ctrl+S',
    'Ctrl+Shift+S',
    'Alt+1',
    'Alt+5',
    'Delete',
    'Alt+↑',
    'Ctrl+Enter',
    'Escape',
    '?',
  ]) {
    await expect(overlay, keys).toContainText(keys);
  }
  await page.screenshot({ path: testInfo.outputPath('shortcuts-1024x640.png') });
  await page.keyboard.press('Escape');
  await expect(overlay).toHaveCount(0);
  // The header's '?' button opens it too.
  await studio.byTestId('shortcuts-open').click();
  await expect(overlay).toBeVisible();
});
