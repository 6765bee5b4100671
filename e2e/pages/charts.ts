// Page object of the run charts (loss, metric, gradient norms): their y-scale toggle, zoom reset, exports and the
// geometry of their tick labels.
import { expect } from '@playwright/test';
import type { Download, Locator, Page } from '@playwright/test';
import { readFileSync } from 'node:fs';

export type ChartName = 'loss' | 'metric' | 'gradnorms';
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
  text: string;
}

export class ChartsPage {
  constructor(
    readonly page: Page,
    readonly prefix = '',
  ) {}

  id(name: ChartName): string {
    return `${this.prefix}chart-${name}`;
  }

  box(name: ChartName): Locator {
    return this.page.getByTestId(this.id(name));
  }

  tool(
    name: ChartName,
    tool: 'scale-linear' | 'scale-log' | 'zoom-reset' | 'export-png' | 'export-csv' | 'clipped',
  ): Locator {
    return this.page.getByTestId(`${this.id(name)}-${tool}`);
  }

  /** Bounding boxes of the SVG itself and of every tick label of one axis (or both), as drawn now. */
  async geometry(name: ChartName): Promise<{ svg: Box; y: Box[]; x: Box[]; baseline: Box | null }> {
    return this.box(name).evaluate((el) => {
      const rect = (n: Element) => {
        const r = n.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height, text: n.textContent ?? '' };
      };
      // Recharts 3 draws tick labels in a z-index layer of their own, apart from the axis group.
      // The plot's own SVG (legend icons are small recharts-surface SVGs too).
      const svg = el.querySelector('.recharts-wrapper > svg');
      if (!svg) throw new Error('the chart has no SVG');
      const labels = (axis: string) =>
        Array.from(svg.querySelectorAll(`.recharts-${axis}Axis-tick-labels .recharts-cartesian-axis-tick-value`)).map(
          rect,
        );
      const baseline = svg.querySelector('[data-testid="chart-baseline-label"]');
      return { svg: rect(svg), y: labels('y'), x: labels('x'), baseline: baseline ? rect(baseline) : null };
    });
  }

  /** Every y tick label lies inside the SVG, and no two tick labels (x or y) overlap. */
  async expectReadableTicks(name: ChartName): Promise<void> {
    const g = await this.geometry(name);
    expect(g.y.length, 'y tick labels').toBeGreaterThanOrEqual(2);
    for (const t of g.y) {
      expect(t.x, `"${t.text}" starts inside the chart`).toBeGreaterThanOrEqual(g.svg.x - 0.5);
      expect(t.x + t.width, `"${t.text}" ends inside the chart`).toBeLessThanOrEqual(g.svg.x + g.svg.width + 0.5);
      expect(t.y, `"${t.text}" top inside the chart`).toBeGreaterThanOrEqual(g.svg.y - 0.5);
      expect(t.y + t.height, `"${t.text}" bottom inside the chart`).toBeLessThanOrEqual(g.svg.y + g.svg.height + 0.5);
    }
    for (const labels of [g.y, g.x]) {
      for (let i = 0; i < labels.length; i++) {
        for (let j = i + 1; j < labels.length; j++)
          expect(overlap(labels[i]!, labels[j]!), `"${labels[i]!.text}" and "${labels[j]!.text}" overlap`).toBe(false);
      }
    }
  }

  async download(name: ChartName, what: 'png' | 'csv'): Promise<{ download: Download; bytes: Buffer }> {
    const [download] = await Promise.all([
      this.page.waitForEvent('download'),
      this.tool(name, `export-${what}`).click(),
    ]);
    const path = await download.path();
    return { download, bytes: readFileSync(path) };
  }

  /** Drags the brush's left handle to the right: zooms the epoch axis in. */
  async zoomIn(name: ChartName, px = 80): Promise<void> {
    const traveller = this.box(name).locator('.recharts-brush-traveller').first();
    const b = (await traveller.boundingBox())!;
    await this.page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    await this.page.mouse.down();
    await this.page.mouse.move(b.x + b.width / 2 + px, b.y + b.height / 2, { steps: 8 });
    await this.page.mouse.up();
  }
}

export function overlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}
