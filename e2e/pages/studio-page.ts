// Page object of the studio: every spec talks to the UI through these methods and data-testids, never through
// CSS structure or fixed sleeps.
import { expect } from '@playwright/test';
import type { Locator, Page } from '@playwright/test';

export class StudioPage {
  constructor(readonly page: Page) {}

  byTestId(id: string): Locator {
    return this.page.getByTestId(id);
  }

  /** The panels are tabs and hidden tabs are unmounted: open the one a step needs first. */
  async openTab(tab: 'builder' | 'data' | 'training' | 'runs' | 'predict'): Promise<void> {
    await this.byTestId(`tab-${tab}`).click();
  }

  /** Confirms the unsaved-changes guard when it is shown (it only appears when there are unsaved edits). */
  async confirmGuardIfShown(): Promise<void> {
    const confirm = this.byTestId('unsaved-guard-confirm');
    if (await confirm.isVisible()) await confirm.click();
  }

  paletteItem(className: string): Locator {
    return this.byTestId(`palette-item-${className}`);
  }

  node(index: number): Locator {
    return this.byTestId(`layer-node-${index}`);
  }

  nodes(): Locator {
    return this.page.locator('[data-testid^="layer-node-"]');
  }

  /** Drags a palette item onto the end of the canvas with real pointer moves (dnd-kit needs intermediate moves). */
  async dragToCanvas(className: string): Promise<void> {
    const source = this.paletteItem(className);
    const target = this.byTestId('canvas-drop-end');
    await source.scrollIntoViewIfNeeded();
    const from = (await source.boundingBox())!;
    await this.page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await this.page.mouse.down();
    // A first small move passes dnd-kit's activation distance; the rest travel to the drop zone.
    await this.page.mouse.move(from.x + from.width / 2 + 12, from.y + from.height / 2 + 12, { steps: 4 });
    const to = (await target.boundingBox())!;
    await this.page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
    await expect(target).toBeVisible();
    await this.page.mouse.move(to.x + to.width / 2, to.y + to.height / 2 + 2, { steps: 2 });
    await this.page.mouse.up();
  }

  async selectNode(index: number): Promise<void> {
    await this.node(index).click();
    await expect(this.byTestId('inspector')).toBeVisible();
  }

  /** Sets an inspector field of the selected node (number, text or select). */
  async setParam(name: string, value: string | boolean): Promise<void> {
    const field = this.byTestId(`param-${name}`);
    if (typeof value === 'boolean') {
      await field.setChecked(value);
      return;
    }
    const tag = await field.evaluate((el) => el.tagName.toLowerCase());
    if (tag === 'select') await field.selectOption(value);
    else await field.fill(value);
    await field.blur();
  }

  async clearCanvas(): Promise<void> {
    while ((await this.nodes().count()) > 0) {
      const n = await this.nodes().count();
      await this.byTestId(`layer-delete-${n - 1}`).click();
      await expect(this.nodes()).toHaveCount(n - 1);
    }
  }

  chart(name: 'loss' | 'metric' | 'gradnorms'): Locator {
    return this.byTestId(`chart-${name}`);
  }

  async chartPoints(name: 'loss' | 'metric' | 'gradnorms'): Promise<number> {
    return Number(await this.chart(name).getAttribute('data-points'));
  }

  /** Loads a bundled sample, trains it for `epochs` from the Training tab and waits until the run has finished. */
  /** Opens a bundled sample from the Data tab (confirming the discard of unsaved work if asked). */
  async useSample(sample: 'sentiment-lstm' | 'forecast-gru'): Promise<void> {
    await this.openTab('data');
    await this.byTestId('sample-select').selectOption({ label: sample });
    await this.confirmGuardIfShown();
  }

  /** Types the epoch count into the Training tab's form and leaves the field, which commits it. */
  async setEpochs(epochs: number): Promise<void> {
    await this.openTab('training');
    await this.byTestId('training-epochs').fill(String(epochs));
    await this.byTestId('training-epochs').blur();
  }

  async trainSample(sample: 'sentiment-lstm' | 'forecast-gru', epochs: number): Promise<void> {
    await this.useSample(sample);
    await this.setEpochs(epochs);
    await this.byTestId('train-start').click();
    await expect(this.byTestId('train-progress')).toHaveAttribute('data-status', /^(completed|early-stopped)$/, {
      timeout: 180_000,
    });
  }

  runRow(runId?: string): Locator {
    return runId ? this.byTestId(`run-row-${runId}`) : this.page.locator('[data-testid^="run-row-"]');
  }
}
