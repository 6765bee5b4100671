import { useEffect, useState } from 'react';
import { flushSync } from 'react-dom';

// Mounting a recharts chart with a few hundred points costs tens of milliseconds on a loaded machine, and the
// training tab has three: mounted in one go they were one long task of up to 1.5 s after the tab click. Each chart
// first renders its frame (title, tools, data-* attributes) and draws its plot in a task of its own, one chart per
// task, so the tab paints at once and input is handled between the charts.
const mountQueue: (() => void)[] = [];
let mountTimer: ReturnType<typeof setTimeout> | null = null;

function pumpMounts() {
  mountTimer = null;
  const next = mountQueue.shift();
  if (!next) return;
  next();
  if (mountQueue.length > 0) mountTimer = setTimeout(pumpMounts, 0);
}

/** False until this component's turn in the queue (one mount per task), then true. */
export function useStaggeredMount(): boolean {
  const [mounted, setMounted] = useState(false);
  useEffect(() => {
    let live = true;
    const turn = () => {
      if (live) flushSync(() => setMounted(true));
    };
    mountQueue.push(turn);
    mountTimer ??= setTimeout(pumpMounts, 0);
    return () => {
      live = false;
      const i = mountQueue.indexOf(turn);
      if (i >= 0) mountQueue.splice(i, 1);
    };
  }, []);
  return mounted;
}
