// Layout checks: is every control of a region inside the viewport, and is it the element a click at its centre hits?
import { expect } from '@playwright/test';
import type { Locator, Page } from '@playwright/test';

export interface Unreachable {
  control: string;
  why: string;
}

export class LayoutPage {
  constructor(readonly page: Page) {}

  header(): Locator {
    return this.page.locator('header.app-header');
  }

  /** The Train / Pause / Resume / Stop group beside the Training tab's progress bar. */
  panelRunControls(): Locator {
    return this.page.getByTestId('panel-run-controls');
  }

  /** Every visible button and select under `region`, described by test id (or text) with why it cannot be reached. */
  async unreachable(region: Locator): Promise<{ count: number; problems: Unreachable[] }> {
    return region.evaluateAll((roots) => {
      const problems: { control: string; why: string }[] = [];
      let count = 0;
      const vw = window.innerWidth;
      const vh = window.innerHeight;
      for (const root of roots) {
        for (const el of Array.from(root.querySelectorAll<HTMLElement>('button, select'))) {
          const style = getComputedStyle(el);
          if (style.display === 'none' || style.visibility === 'hidden') continue;
          count++;
          const name = el.dataset.testid ?? el.getAttribute('aria-label') ?? (el.textContent ?? '').trim();
          const r = el.getBoundingClientRect();
          if (r.width === 0 || r.height === 0) {
            problems.push({ control: name, why: 'has no size' });
            continue;
          }
          if (r.left < 0 || r.top < 0 || r.right > vw + 0.5 || r.bottom > vh + 0.5) {
            problems.push({
              control: name,
              why: `box ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)} leaves the ${vw}×${vh} viewport`,
            });
            continue;
          }
          // Clipped by a scrolling or overflow-hidden ancestor?
          for (let a = el.parentElement; a; a = a.parentElement) {
            const o = getComputedStyle(a);
            if (o.overflowX === 'visible' && o.overflowY === 'visible') continue;
            const ar = a.getBoundingClientRect();
            if (
              r.left < ar.left - 0.5 ||
              r.right > ar.right + 0.5 ||
              r.top < ar.top - 0.5 ||
              r.bottom > ar.bottom + 0.5
            ) {
              problems.push({ control: name, why: `clipped by <${a.tagName.toLowerCase()} class="${a.className}">` });
              break;
            }
          }
          const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
          if (!hit || !(hit === el || el.contains(hit))) {
            problems.push({
              control: name,
              why: `covered by ${hit ? `<${hit.tagName.toLowerCase()} class="${(hit as HTMLElement).className}">` : 'nothing'}`,
            });
          }
        }
      }
      return { count, problems };
    });
  }

  /** Asserts at least `min` controls in `region` and that every one is reachable. */
  async expectReachable(region: Locator, label: string, min = 1): Promise<void> {
    const { count, problems } = await this.unreachable(region);
    expect(count, `${label}: controls found`).toBeGreaterThanOrEqual(min);
    expect(problems, `${label}: controls outside the viewport or covered`).toEqual([]);
  }

  /** Saves the current project under `name` through Save as…. */
  async saveAs(name: string): Promise<void> {
    await this.page.getByTestId('project-save-as').click();
    await this.page.getByTestId('project-save-name').fill(name);
    await this.page.getByTestId('project-save-confirm').click();
    await expect(this.page.getByTestId('save-as-dialog')).toHaveCount(0);
    await expect(this.page.getByTestId('project-name')).toHaveText(name);
  }
}
