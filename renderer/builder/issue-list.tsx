import type { ModelAnalysis } from '../../shared/shape-inference.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { useProject } from '../state/project-context.js';
import { quickFixFor, quickFixesFor } from './quick-fixes.js';

/** Problems of the spec as a whole (no single node to show them on), each with a fix where the fix is obvious. */
export function SpecIssueList({ analysis, spec }: { analysis: ModelAnalysis; spec: ModelSpec }) {
  const { edit } = useProject();
  const specLevel = analysis.issues.filter((i) => i.layerIndex === null);
  const onNodes = analysis.issues.filter((i) => i.layerIndex !== null && i.severity === 'error').length;
  if (specLevel.length === 0 && onNodes === 0) {
    return (
      <div className="spec-ok" data-testid="spec-valid">
        ✓ The model is valid: {analysis.layers.length} layers.
      </div>
    );
  }
  return (
    <div className="spec-issues-wrap">
      {specLevel.length > 0 ? (
        <ul className="spec-issues" data-testid="spec-issues" role="alert">
          {specLevel.map((issue, n) => {
            const fix = quickFixFor(issue, spec, analysis);
            return (
              <li key={n} className={issue.severity} data-testid="spec-issue" data-path={issue.path}>
                <span className="issue-path">{issue.path || 'spec'}</span>
                <span>{issue.message}</span>
                {fix ? (
                  <button type="button" className="text-button" data-testid="issue-fix" onClick={() => edit(fix.apply)}>
                    {fix.label}
                  </button>
                ) : null}
              </li>
            );
          })}
        </ul>
      ) : null}
      {onNodes > 0 ? (
        <div className="issue-summary" data-testid="node-issue-count">
          {onNodes} problem{onNodes === 1 ? '' : 's'} shown on the layers below. Training is disabled until they are
          fixed.
        </div>
      ) : null}
    </div>
  );
}

/** Fix buttons for the issues shown on one node. */
export function NodeFixes({ index }: { index: number }) {
  const { spec, analysis, edit } = useProject();
  const fixes = analysis.issues.filter((i) => i.layerIndex === index).flatMap((i) => quickFixesFor(i, spec, analysis));
  if (fixes.length === 0) return null;
  return (
    <div className="node-fixes">
      {fixes.map((f, n) => (
        <button
          key={n}
          type="button"
          className="text-button"
          data-testid={`layer-fix-${index}`}
          onClick={(e) => {
            e.stopPropagation();
            edit(f.apply);
          }}
        >
          {f.label}
        </button>
      ))}
    </div>
  );
}
