import type { SpecIssue } from '../../shared/shape-inference.js';

/**
 * What the run reported without stopping (a model that needs more than half of this machine's memory), under the
 * progress bar: the CLI prints the same lines on stderr.
 */
export function RunWarnings({ warnings }: { warnings: readonly SpecIssue[] }) {
  if (warnings.length === 0) return null;
  return (
    <ul className="run-warnings" role="status" data-testid="run-warnings" aria-label="Run warnings">
      {warnings.map((w, n) => (
        <li key={n} data-testid="run-warning" data-layer-index={w.layerIndex ?? ''}>
          <strong>Warning{w.layerIndex !== null ? ` (layer ${w.layerIndex + 1})` : ''}:</strong> {w.message}
        </li>
      ))}
    </ul>
  );
}
