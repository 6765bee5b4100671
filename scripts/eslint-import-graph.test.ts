// The import-graph lint rule (scripts/eslint-import-graph.mjs) on a tree of its own: a cycle between two folders is
// reported on both sides, a one-way import is not, and module-level cycles are found the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

// A computed specifier: the rule is plain JavaScript, checked by tsconfig.scripts.json, not by this project's tsc.
const pluginPath = './eslint-import-graph.mjs';
const { default: plugin } = (await import(pluginPath)) as { default: ESLint.Plugin };

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'rnn-import-graph-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

async function lint(root: string, level: 'file' | 'folder'): Promise<string[]> {
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser as never },
        plugins: { graph: plugin },
        rules: { 'graph/no-cycle': ['error', { root: 'src', level }] },
      },
    ],
  });
  const results = await eslint.lintFiles(['src/**/*.ts']);
  return results.flatMap((r) => r.messages.map((m) => `${r.filePath.slice(root.length + 1)}: ${m.message}`)).sort();
}

test('folders that import each other are reported on both sides; a one-way import and tests are not', async () => {
  const root = tree({
    'src/data/view.ts': "import { color } from '../training/style.js';\nexport const view = color;\n",
    'src/training/panel.ts': "import { view } from '../data/view.js';\nexport const panel = view;\n",
    'src/training/style.ts': "export const color = 'red';\n",
    'src/lib/format.ts': 'export const f = 1;\n',
    'src/runs/list.ts':
      "import { f } from '../lib/format.js';\nimport { panel } from '../training/panel.js';\nexport const l = f + panel.length;\n",
    'src/lib/format.test.ts': "import { l } from '../runs/list.js';\nexport const t = l;\n",
  });
  const found = await lint(root, 'folder');
  assert.equal(found.length, 2, found.join('\n'));
  assert.match(
    found[0]!,
    /^src\/data\/view\.ts: Folder data imports training, which imports data back \(a cycle through data, training\)/,
  );
  assert.match(found[1]!, /^src\/training\/panel\.ts: Folder training imports data, which imports training back/);
});

test('modules in a cycle are reported at file level, type-only imports included', async () => {
  const root = tree({
    'src/a.ts': "import type { B } from './b.js';\nexport interface A { b?: B }\n",
    'src/b.ts': "import type { C } from './c.js';\nexport interface B { c?: C }\n",
    'src/c.ts': "import type { A } from './a.js';\nexport interface C { a?: A }\n",
    'src/d.ts': "import type { A } from './a.js';\nexport type D = A;\n",
  });
  const found = await lint(root, 'file');
  assert.equal(found.length, 3, found.join('\n'));
  assert.ok(
    found.every((f) => /a cycle through a\.ts, b\.ts, c\.ts/.test(f)),
    found.join('\n'),
  );
  assert.ok(!found.some((f) => f.startsWith('src/d.ts')));
});
