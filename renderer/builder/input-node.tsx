import type { InputSpec } from '../../shared/model-spec.js';
import { formatShape } from '../../shared/shape-inference.js';
import { NumberInput, Select } from '../components/fields.js';
import { setTokenInput } from '../data/data-edits.js';
import { useProject } from '../state/project-context.js';

/** The top of the stack: what one sample looks like. Token input is edited here; a time series' shape follows its windows. */
export function InputNode({ selected, onSelect }: { selected: boolean; onSelect: () => void }) {
  const { spec, analysis, edit } = useProject();
  const input = spec.input;
  const issues = analysis.issues.filter((i) => i.path.startsWith('input.') || i.path === 'input');
  const fromData = input.kind === 'floats' && spec.data?.kind === 'timeseries';
  const setKind = (kind: InputSpec['kind']) => {
    if (kind === input.kind) return;
    edit((s) => ({
      ...s,
      input: kind === 'tokens' ? { kind, vocabSize: 10000, length: 100 } : { kind, timesteps: 10, features: 1 },
    }));
  };
  const issueFor = (key: string) => issues.find((i) => i.path === `input.${key}`)?.message;
  return (
    <div
      className={`input-node${selected ? ' selected' : ''}${issues.some((i) => i.severity === 'error') ? ' has-error' : ''}`}
      data-testid="input-node"
      onClick={onSelect}
    >
      <div className="layer-main">
        <span className="layer-index">in</span>
        <span className="layer-name">input</span>
        <Select<InputSpec['kind']>
          value={input.kind}
          testId="input-kind"
          options={[
            { value: 'tokens', label: 'Token ids' },
            { value: 'floats', label: 'Float sequences' },
          ]}
          onChange={setKind}
        />
        <span className="layer-shape" data-testid="input-shape">
          {formatShape(analysis.inputShape)}
        </span>
      </div>
      <div className="input-fields" onClick={(e) => e.stopPropagation()}>
        {input.kind === 'tokens' ? (
          <>
            <label title="Number of distinct token ids, including 0 (padding) and 1 (out-of-vocabulary): Keras Tokenizer(num_words=…).">
              vocabSize
              <NumberInput
                value={input.vocabSize}
                step={1000}
                testId="input-vocabSize"
                invalid={Boolean(issueFor('vocabSize'))}
                onChange={(v) => edit((s) => setTokenInput(s, { vocabSize: v as number }), 'input.vocabSize')}
              />
            </label>
            <label title="Tokens per sequence after padding / truncating (Keras maxlen).">
              length
              <NumberInput
                value={input.length}
                step={10}
                testId="input-length"
                invalid={Boolean(issueFor('length'))}
                onChange={(v) => edit((s) => setTokenInput(s, { length: v as number }), 'input.length')}
              />
            </label>
          </>
        ) : (
          <>
            <label
              title={
                fromData
                  ? 'Set by the data: ceil(lookback / step). Change lookback or step in the Data tab.'
                  : 'Timesteps per sample.'
              }
            >
              timesteps
              <NumberInput
                value={input.timesteps}
                step={1}
                testId="input-timesteps"
                readOnly={fromData}
                invalid={Boolean(issueFor('timesteps'))}
                onChange={(v) =>
                  edit(
                    (s) => (s.input.kind === 'floats' ? { ...s, input: { ...s.input, timesteps: v as number } } : s),
                    'input.timesteps',
                  )
                }
              />
            </label>
            <label
              title={
                fromData
                  ? 'Set by the data: the number of feature columns. Choose them in the Data tab.'
                  : 'Values per timestep.'
              }
            >
              features
              <NumberInput
                value={input.features}
                step={1}
                testId="input-features"
                readOnly={fromData}
                invalid={Boolean(issueFor('features'))}
                onChange={(v) =>
                  edit(
                    (s) => (s.input.kind === 'floats' ? { ...s, input: { ...s.input, features: v as number } } : s),
                    'input.features',
                  )
                }
              />
            </label>
            {fromData ? <span className="muted small">from the data windows</span> : null}
          </>
        )}
      </div>
      {issues.length > 0 ? (
        <ul className="layer-issues error" data-testid="input-error" role="alert">
          {issues.map((i, n) => (
            <li key={n}>{i.message}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
