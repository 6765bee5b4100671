/**
 * The spec reference's layer section, written from the catalog: docs/spec.md holds its output between two markers, and
 * a test fails when they differ, so the reference can never drift from what validation, the inspector and the
 * builder use. `npm run docs:layers` rewrites it.
 */
import { LAYER_CATALOG } from './layer-catalog.js';
import type { LayerDef, ParamDef } from './layers/types.js';

export const LAYER_REFERENCE_START = '<!-- layer-reference: generated from the catalog by `npm run docs:layers` -->';
export const LAYER_REFERENCE_END = '<!-- /layer-reference -->';

const cell = (s: string) => s.replace(/\|/g, '\\|');

function allowed(p: ParamDef): string {
  if (p.options) return p.options.join(', ');
  if (p.kind === 'bool') return 'true, false';
  if (p.min === undefined && p.max === undefined) return p.kind === 'string' ? 'a name' : '';
  const lo = p.min === undefined ? '' : `≥ ${p.min.toLocaleString('en-US')}`;
  const hi = p.max === undefined ? '' : `${p.maxExclusive ? '<' : '≤'} ${p.max.toLocaleString('en-US')}`;
  return p.min !== undefined && p.max !== undefined && p.maxExclusive
    ? `[${p.min}, ${p.max})`
    : [lo, hi].filter(Boolean).join(', ');
}

function layerSection(def: LayerDef): string {
  const lines = [`### \`${def.className}\``, '', `${def.doc} Shape: ${def.shape}.`];
  if (def.wraps) lines.push('', `Wraps one ${def.wraps} layer, given as \`"layer": {"className": …, "config": …}\`.`);
  if (def.params.length === 0) return [...lines, '', 'No parameters.'].join('\n');
  lines.push('', '| parameter | default | allowed | meaning |', '|---|---|---|---|');
  for (const p of def.params)
    lines.push(
      `| \`${p.name}\`${p.advanced ? ' (advanced)' : ''} | ${cell(JSON.stringify(p.default))} | ${cell(allowed(p))} | ${cell(p.doc)} |`,
    );
  return lines.join('\n');
}

/** The markdown between the markers (markers excluded). */
export function layerReferenceMarkdown(): string {
  return `\n${LAYER_CATALOG.map(layerSection).join('\n\n')}\n`;
}

/** `doc` with its generated section replaced by `layerReferenceMarkdown()`; throws when the markers are missing. */
export function withLayerReference(doc: string): string {
  const start = doc.indexOf(LAYER_REFERENCE_START);
  const end = doc.indexOf(LAYER_REFERENCE_END);
  if (start < 0 || end < start)
    throw new Error(`expected the markers ${LAYER_REFERENCE_START} and ${LAYER_REFERENCE_END} in the document.`);
  return doc.slice(0, start + LAYER_REFERENCE_START.length) + layerReferenceMarkdown() + doc.slice(end);
}
