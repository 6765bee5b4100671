import { formatShape, formatSummary } from '../../shared/shape-inference.js';
import type { ModelAnalysis } from '../../shared/shape-inference.js';
import { useToasts } from '../components/toasts.js';
import { formatCount } from '../lib/format.js';

/** Keras's model.summary(), as a table; "Copy" gives the exact text the CLI prints. */
export function SummaryTable({ analysis, modelName }: { analysis: ModelAnalysis; modelName: string }) {
  const { notify } = useToasts();
  const copy = () => {
    navigator.clipboard?.writeText(formatSummary(analysis, modelName)).then(
      () => notify('info', 'Model summary copied.'),
      () => notify('error', 'The clipboard is not available here.'),
    );
  };
  return (
    <section className="summary" data-testid="summary-table">
      <div className="section-head">
        <h3>Model: “{modelName}”</h3>
        <button type="button" className="text-button" data-testid="summary-copy" onClick={copy}>
          Copy as text
        </button>
      </div>
      <table className="data-table">
        <thead>
          <tr>
            <th>Layer (type)</th>
            <th>Output Shape</th>
            <th className="num">Param #</th>
          </tr>
        </thead>
        <tbody>
          <tr className="muted">
            <td>input (InputLayer)</td>
            <td>{formatShape(analysis.inputShape)}</td>
            <td className="num">0</td>
          </tr>
          {analysis.layers.map((l) => (
            <tr key={l.index} data-testid={`summary-row-${l.index}`}>
              <td>
                {l.name} ({l.label})
              </td>
              <td>{formatShape(l.outputShape)}</td>
              <td className="num">{formatCount(l.params)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <td colSpan={2}>Total params</td>
            <td className="num" data-testid="total-params" data-value={analysis.totalParams}>
              {formatCount(analysis.totalParams)}
            </td>
          </tr>
        </tfoot>
      </table>
    </section>
  );
}
