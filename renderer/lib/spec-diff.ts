/**
 * What differs between two runs' specs, as rows a person can scan: layer by layer (effective settings, so an
 * explicit default equals an omitted one), then training (with Keras's defaults filled in) and data settings.
 * Editor-only fields (layer ids) never count as a difference.
 */
import { layerDef, withDefaults, WRAPPER_CLASS } from '../../shared/layer-catalog.js';
import { isBidirectional, resolveTraining } from '../../shared/model-spec.js';
import type { LayerSpec, ModelSpec, ParamValue } from '../../shared/model-spec.js';

export interface SpecDiffRow {
  section: 'model' | 'input' | 'layers' | 'training' | 'data';
  /** What differs, e.g. "layer 2 (LSTM) units" or "learningRate". */
  label: string;
  a: string;
  b: string;
}

const ABSENT = '—';

function show(v: unknown): string {
  if (v === undefined) return ABSENT;
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function effectiveConfig(
  className: string,
  config: Record<string, ParamValue> | undefined,
): Record<string, ParamValue> {
  const def = layerDef(className);
  return def ? withDefaults(def, config) : { ...(config ?? {}) };
}

function layerLabel(layer: LayerSpec): string {
  return isBidirectional(layer) ? `Bidirectional(${layer.layer?.className ?? '?'})` : layer.className;
}

/** Sizes say what a layer is even at their default, so they are always shown. */
const ALWAYS_SHOWN = ['units', 'outputDim', 'rate'];

/** "LSTM(units=64, returnSequences=true)": the class with its size and its non-default settings. */
export function describeLayer(layer: LayerSpec): string {
  const nonDefault = (className: string, config: Record<string, ParamValue> | undefined) => {
    const def = layerDef(className);
    const effective = def ? withDefaults(def, config) : { ...(config ?? {}) };
    return Object.entries(effective)
      .filter(
        ([k, v]) => k !== 'name' && (ALWAYS_SHOWN.includes(k) || def?.params.find((p) => p.name === k)?.default !== v),
      )
      .map(([k, v]) => `${k}=${show(v)}`);
  };
  if (isBidirectional(layer)) {
    const inner = layer.layer;
    const merge = nonDefault(WRAPPER_CLASS, layer.config as Record<string, ParamValue> | undefined);
    return `Bidirectional(${inner ? `${inner.className}(${nonDefault(inner.className, inner.config).join(', ')})` : '?'}${merge.length ? `, ${merge.join(', ')}` : ''})`;
  }
  return `${layer.className}(${nonDefault(layer.className, layer.config).join(', ')})`;
}

function diffRecords(
  section: SpecDiffRow['section'],
  prefix: string,
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  out: SpecDiffRow[],
): void {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const key of keys) {
    const va = show(a[key]);
    const vb = show(b[key]);
    if (va !== vb) out.push({ section, label: `${prefix}${key}`, a: va, b: vb });
  }
}

function flattenTraining(spec: ModelSpec): Record<string, unknown> {
  const t = resolveTraining(spec);
  const { earlyStopping, ...rest } = t;
  const flat: Record<string, unknown> = { ...rest };
  flat.earlyStopping = earlyStopping ? 'on' : 'off';
  if (earlyStopping) for (const [k, v] of Object.entries(earlyStopping)) flat[`earlyStopping.${k}`] = v;
  return flat;
}

export function diffSpecs(a: ModelSpec, b: ModelSpec): SpecDiffRow[] {
  const rows: SpecDiffRow[] = [];
  if (a.name !== b.name) rows.push({ section: 'model', label: 'name', a: a.name, b: b.name });
  diffRecords('input', '', { ...a.input }, { ...b.input }, rows);

  const n = Math.max(a.layers.length, b.layers.length);
  for (let i = 0; i < n; i++) {
    const la = a.layers[i];
    const lb = b.layers[i];
    const where = `layer ${i + 1}`;
    if (!la || !lb || layerLabel(la) !== layerLabel(lb)) {
      rows.push({
        section: 'layers',
        label: where,
        a: la ? describeLayer(la) : ABSENT,
        b: lb ? describeLayer(lb) : ABSENT,
      });
      continue;
    }
    const prefix = `${where} (${layerLabel(la)}) `;
    diffRecords(
      'layers',
      prefix,
      effectiveConfig(la.className, la.config as Record<string, ParamValue> | undefined),
      effectiveConfig(lb.className, lb.config as Record<string, ParamValue> | undefined),
      rows,
    );
    if (isBidirectional(la) && isBidirectional(lb)) {
      diffRecords(
        'layers',
        `${prefix}${la.layer.className}.`,
        effectiveConfig(la.layer.className, la.layer.config),
        effectiveConfig(lb.layer.className, lb.layer.config),
        rows,
      );
    }
  }

  diffRecords('training', '', flattenTraining(a), flattenTraining(b), rows);
  diffRecords('data', '', { ...(a.data ?? {}) }, { ...(b.data ?? {}) }, rows);
  return rows;
}
