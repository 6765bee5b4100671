/**
 * A DOM for the component tests (`*.test.tsx`), which run in Node through node:test like every other unit test.
 * Import it first, before React, React DOM or Testing Library: React DOM and Testing Library's `screen` look for
 * `window` and `document` when they load. It puts a jsdom window's globals on globalThis and tells React that its
 * updates run inside act(), as Testing Library wraps them.
 */
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', {
  url: 'http://localhost/',
  pretendToBeVisual: true,
});
const win = dom.window as unknown as Record<string, unknown>;
const globals = globalThis as unknown as Record<string, unknown>;

// Everything the window has and Node lacks (document, HTMLElement, Event classes, getComputedStyle, …), read
// through the window so that its getters keep their receiver. Node's own globals (URL, fetch, timers) stay.
for (const key of Object.getOwnPropertyNames(win)) {
  if (key in globals || key === 'undefined') continue;
  Object.defineProperty(globals, key, { configurable: true, enumerable: false, get: () => win[key] });
}
Object.defineProperty(globals, 'window', { configurable: true, value: dom.window });
// Node 20 has no navigator; newer Node has its own, which Testing Library's user-event must not see.
Object.defineProperty(globals, 'navigator', { configurable: true, get: () => dom.window.navigator });
globals.IS_REACT_ACT_ENVIRONMENT = true;

export const domWindow = dom.window;
