/**
 * Every run this window has heard of, outside React: events are applied here as they arrive (one new RunLive per
 * message) and components subscribe to the one run they show through useSyncExternalStore, so a chart of run A
 * does not re-render for run B's batches.
 */
import type { RunDetail } from '../../shared/api.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import type { WorkerEvent } from '../../shared/worker-protocol.js';
import { applyRunEvent, isFinished, mergeDetail, newRunLive } from './run-state.js';
import type { RunLive } from './run-state.js';

export class RunStore {
  private readonly runs = new Map<string, RunLive>();
  private readonly listeners = new Set<() => void>();
  /** Runs in the order their first event arrived, to find the one training now. */
  private readonly order: string[] = [];
  private pending: ReturnType<typeof setTimeout> | null = null;
  private lastNotified = 0;

  /**
   * `notifyEveryMs` > 0 coalesces the notifications of live events: every event is applied at once (get() is always
   * current), but subscribers hear at most once per interval (trailing, so the last event always arrives). A
   * training run sends several messages a second and each notification re-renders the shell around the open tab;
   * 0 (tests) notifies synchronously. Starting, seeding and finishing a run always notify at once.
   */
  constructor(private readonly notifyEveryMs = 0) {}

  get(runId: string | null): RunLive | null {
    return runId ? (this.runs.get(runId) ?? null) : null;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(run: RunLive, coalesce = false): void {
    if (!this.runs.has(run.runId)) this.order.push(run.runId);
    this.runs.set(run.runId, run);
    if (!coalesce || this.notifyEveryMs <= 0) {
      this.notify();
      return;
    }
    if (this.pending !== null) return;
    const wait = this.lastNotified + this.notifyEveryMs - Date.now();
    if (wait <= 0) this.notify();
    else this.pending = setTimeout(() => this.notify(), wait);
  }

  private notify(): void {
    if (this.pending !== null) clearTimeout(this.pending);
    this.pending = null;
    this.lastNotified = Date.now();
    for (const l of this.listeners) l();
  }

  apply(runId: string, event: WorkerEvent, now = Date.now()): void {
    const run = this.runs.get(runId) ?? newRunLive(runId, null, now);
    const next = applyRunEvent(run, event, now);
    // Per-batch and per-epoch updates are coalesced; a change of status (started, paused, done, failed) is shown at once.
    if (next !== run)
      this.set(next, next.status === run.status && next.error === run.error && next.result === run.result);
  }

  /** Registers a run this window just started, so its panel shows "starting" before the first event. */
  ensure(runId: string, spec: ModelSpec): void {
    const run = this.runs.get(runId);
    if (!run) this.set(newRunLive(runId, spec));
    else if (!run.spec)
      this.set({ ...run, spec, epochsPlanned: run.epochsPlanned ?? newRunLive(runId, spec).epochsPlanned });
  }

  /** Folds a stored run (getRun) into what the events brought. */
  seed(detail: RunDetail): RunLive {
    const merged = mergeDetail(this.runs.get(detail.id), detail);
    this.set(merged);
    return merged;
  }

  /** The most recent run still training (started here or in another window), if any. */
  latestActive(): string | null {
    for (let i = this.order.length - 1; i >= 0; i--) {
      const run = this.runs.get(this.order[i]!);
      if (run && !isFinished(run)) return run.runId;
    }
    return null;
  }
}
