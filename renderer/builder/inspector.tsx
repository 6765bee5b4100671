import { layerDef, RECURRENT_CLASSES } from '../../shared/layer-catalog.js';
import type { ParamDef } from '../../shared/layer-catalog.js';
import { isBidirectional } from '../../shared/model-spec.js';
import type { ParamValue } from '../../shared/model-spec.js';
import { checkParam, formatShape } from '../../shared/shape-inference.js';
import type { SpecIssue } from '../../shared/shape-inference.js';
import { Field, NumberInput, Select } from '../components/fields.js';
import { formatCount } from '../lib/format.js';
import { useProject } from '../state/project-context.js';
import { layerConfig, setLayerParam, setRecurrentClass } from '../state/spec-edits.js';

/** The selected node's settings, as a form generated from its catalog entry. */
export function Inspector({ selectedId }: { selectedId: string | null }) {
  const { spec, analysis, edit } = useProject();
  const index = spec.layers.findIndex((l) => l.id === selectedId);
  const layer = index >= 0 ? spec.layers[index] : undefined;

  if (selectedId === 'input') {
    return (
      <aside className="inspector" data-testid="inspector">
        <div className="pane-title">Input</div>
        <p className="muted">
          {spec.input.kind === 'tokens'
            ? 'Token ids: each sample is a sequence of integer word indices, padded or truncated to `length`. Set the vocabulary size and length on the input node or in the Data tab.'
            : 'Float sequences: each sample is `timesteps` rows of `features` values. For time-series data both follow the window settings in the Data tab.'}
        </p>
        <p>
          Shape: <code>{formatShape(analysis.inputShape)}</code>
        </p>
      </aside>
    );
  }
  if (!layer) {
    return (
      <aside className="inspector" data-testid="inspector">
        <div className="pane-title">Inspector</div>
        <p className="muted">Select a layer to edit its settings.</p>
        <dl className="kv">
          <dt>Layers</dt>
          <dd>{spec.layers.length}</dd>
          <dt>Total params</dt>
          <dd>{formatCount(analysis.totalParams)}</dd>
          <dt>Output</dt>
          <dd>{formatShape(analysis.outputShape)}</dd>
        </dl>
      </aside>
    );
  }

  const info = analysis.layers[index];
  const def = layerDef(layer.className);
  const issues = analysis.issues.filter((i) => i.layerIndex === index);
  const inner = isBidirectional(layer) ? layer.layer : null;
  const innerDef = inner ? layerDef(inner.className) : undefined;
  return (
    <aside className="inspector" data-testid="inspector" data-layer-index={index}>
      <div className="pane-title">Inspector</div>
      <div className="inspector-title">
        {info?.name ?? layer.className} <span className="muted">— {info?.label ?? layer.className}</span>
      </div>
      {def ? (
        <p className="inspector-doc">{def.doc}</p>
      ) : (
        <p className="field-error">Unknown layer class “{layer.className}”: it cannot be edited here.</p>
      )}
      <dl className="kv">
        <dt>Output</dt>
        <dd>{formatShape(info?.outputShape ?? null)}</dd>
        <dt>Params</dt>
        <dd>{formatCount(info?.params ?? 0)}</dd>
      </dl>
      {!inner && RECURRENT_CLASSES.includes(layer.className) ? (
        <Field
          label="layer type"
          help="Change the recurrent layer's class; units, dropouts and every other setting the new class has are kept."
          testId="param-layerClass"
        >
          {(id) => (
            <Select
              id={id}
              testId="param-layerClass"
              value={layer.className}
              options={RECURRENT_CLASSES}
              onChange={(c) => edit((s) => setRecurrentClass(s, index, c))}
            />
          )}
        </Field>
      ) : null}
      <NameField index={index} value={layerConfig(layer).name} autoName={info?.name ?? ''} />
      {def ? (
        <ParamForm index={index} params={def.params} config={layerConfig(layer)} inner={false} issues={issues} />
      ) : null}
      {inner ? (
        <section className="inspector-section">
          <h4>Wrapped layer</h4>
          <Field
            label="class"
            help="The recurrent layer run forwards and backwards; changing it keeps every setting the new class also has."
            testId="param-wrappedClass"
          >
            {(id) => (
              <Select
                id={id}
                testId="param-wrappedClass"
                value={RECURRENT_CLASSES.includes(inner.className) ? inner.className : ''}
                options={RECURRENT_CLASSES}
                onChange={(c) => edit((s) => setRecurrentClass(s, index, c))}
              />
            )}
          </Field>
          {innerDef ? (
            <ParamForm index={index} params={innerDef.params} config={layerConfig(layer, true)} inner issues={issues} />
          ) : null}
        </section>
      ) : null}
    </aside>
  );
}

function NameField({ index, value, autoName }: { index: number; value: ParamValue | undefined; autoName: string }) {
  const { edit } = useProject();
  return (
    <Field label="name" help="Keras layer name; leave empty for the automatic one (lstm, lstm_1, …).">
      {(id) => (
        <input
          id={id}
          type="text"
          data-testid="param-name"
          value={typeof value === 'string' ? value : ''}
          placeholder={autoName}
          spellCheck={false}
          onChange={(e) =>
            edit(
              (s) => setLayerParam(s, index, 'name', e.target.value === '' ? undefined : e.target.value),
              `layers.${index}.name`,
            )
          }
        />
      )}
    </Field>
  );
}

interface ParamFormProps {
  index: number;
  params: readonly ParamDef[];
  config: Record<string, ParamValue>;
  inner: boolean;
  issues: SpecIssue[];
}

function ParamForm({ index, params, config, inner, issues }: ParamFormProps) {
  const basic = params.filter((p) => !p.advanced);
  const advanced = params.filter((p) => p.advanced);
  const field = (p: ParamDef) => (
    <ParamField key={p.name} index={index} def={p} value={config[p.name]} inner={inner} issues={issues} />
  );
  return (
    <div className="param-form">
      {basic.map(field)}
      {advanced.length > 0 ? (
        <details className="advanced" data-testid={inner ? 'inspector-advanced-inner' : 'inspector-advanced'}>
          <summary>Advanced ({advanced.length})</summary>
          {advanced.map(field)}
        </details>
      ) : null}
    </div>
  );
}

function ParamField({
  index,
  def,
  value,
  inner,
  issues,
}: {
  index: number;
  def: ParamDef;
  value: ParamValue | undefined;
  inner: boolean;
  issues: SpecIssue[];
}) {
  const { edit } = useProject();
  const path = inner ? `layers.${index}.layer.config.${def.name}` : `layers.${index}.config.${def.name}`;
  // checkParam gives the field's own message; the analysis adds the ones that depend on context (inputDim < vocab).
  const issue = issues.find((i) => i.path === path);
  const error = checkParam(def, value) ?? (issue?.severity === 'error' ? issue.message : null);
  const warning = issue?.severity === 'warning' ? issue.message : null;
  const effective = value === undefined ? def.default : value;
  const set = (v: ParamValue | undefined) => edit((s) => setLayerParam(s, index, def.name, v, inner), path);
  const isDefault = value === undefined || value === def.default;
  const reset = isDefault ? null : (
    <button
      type="button"
      className="text-button small"
      data-testid={`param-reset-${def.name}`}
      title={`Reset to the default (${String(def.default)})`}
      onClick={() => set(undefined)}
    >
      reset
    </button>
  );
  const range =
    def.kind === 'int' || def.kind === 'float'
      ? ` Range: [${def.min ?? '-∞'}, ${def.max ?? '∞'}${def.maxExclusive ? ')' : ']'}. Default: ${String(def.default)}.`
      : ` Default: ${String(def.default)}.`;
  const help = def.doc + range;
  switch (def.kind) {
    case 'bool':
      return (
        <Field
          label={def.name}
          help={help}
          error={error}
          warning={warning}
          testId={`param-${def.name}`}
          inline
          extra={reset}
        >
          {(id) => (
            <input
              id={id}
              type="checkbox"
              data-testid={`param-${def.name}`}
              checked={effective === true}
              onChange={(e) => set(e.target.checked)}
            />
          )}
        </Field>
      );
    case 'enum':
      return (
        <Field label={def.name} help={help} error={error} warning={warning} testId={`param-${def.name}`} extra={reset}>
          {(id) => (
            <Select
              id={id}
              testId={`param-${def.name}`}
              value={typeof effective === 'string' && def.options?.includes(effective) ? effective : ''}
              options={def.options ?? []}
              onChange={(v) => set(v)}
            />
          )}
        </Field>
      );
    case 'int':
    case 'float':
      return (
        <Field label={def.name} help={help} error={error} warning={warning} testId={`param-${def.name}`} extra={reset}>
          {(id) => (
            <NumberInput
              id={id}
              testId={`param-${def.name}`}
              value={effective}
              invalid={error !== null}
              step={def.kind === 'int' ? 1 : 0.05}
              onChange={(v) => set(v)}
            />
          )}
        </Field>
      );
    case 'string':
      return (
        <Field label={def.name} help={help} error={error} warning={warning} testId={`param-${def.name}`} extra={reset}>
          {(id) => (
            <input
              id={id}
              type="text"
              data-testid={`param-${def.name}`}
              value={typeof effective === 'string' ? effective : ''}
              onChange={(e) => set(e.target.value)}
            />
          )}
        </Field>
      );
    default: {
      const never: never = def.kind;
      throw new Error(`unknown parameter kind ${String(never)}`);
    }
  }
}
