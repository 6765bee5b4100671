// Rewrites docs/spec.md's layer reference from the catalog (shared/layer-reference.ts); shared/layer-catalog.test.ts
// fails while the two differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withLayerReference } from '../shared/layer-reference.js';

const path = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'spec.md');
const before = readFileSync(path, 'utf8');
const after = withLayerReference(before);
if (after === before) console.log('docs/spec.md: the layer reference is up to date.');
else {
  writeFileSync(path, after);
  console.log('docs/spec.md: the layer reference was rewritten from the catalog.');
}
