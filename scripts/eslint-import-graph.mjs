// @ts-check
// An ESLint rule over the import graph (issue #14): no import that closes a cycle. ESLint looks at one file at a time,
// so the rule reads the whole tree under `root` once (the files on disk, tests left out), finds its strongly connected
// components, and reports each import of the file being linted whose target lies in the file's own component.
// level "file": between modules (shared/); level "folder": between the top folders under root (renderer's feature
// folders), so that renderer/data and renderer/training cannot import each other through any of their files.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SOURCE = /\.tsx?$/;
const TEST = /\.test\.tsx?$/;
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]+)\1/gm;

/** @param {string} dir @param {string[]} out */
function sources(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (SOURCE.test(name) && !TEST.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The file a relative specifier names ('./x.js' is './x.ts' or './x.tsx' in TypeScript), or null. */
export function resolveImport(/** @type {string} */ from, /** @type {string} */ spec) {
  const base = resolve(dirname(from), spec).replace(/\.js$/, '');
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** The graph's node for a file: the file itself, or its top folder under root ('.' for root's own files). */
function nodeOf(/** @type {string} */ root, /** @type {'file' | 'folder'} */ level, /** @type {string} */ file) {
  const rel = relative(root, file);
  if (level === 'file') return rel.split(sep).join('/');
  const parts = rel.split(sep);
  return parts.length > 1 ? (parts[0] ?? '.') : '.';
}

/**
 * The components (of more than one node) of the import graph under root: node → the component's sorted members.
 * @param {string} root @param {'file' | 'folder'} level
 * @returns {Map<string, string[]>}
 */
export function cyclesUnder(root, level) {
  /** @type {Map<string, Set<string>>} */
  const edges = new Map();
  for (const file of sources(root)) {
    const from = nodeOf(root, level, file);
    if (!edges.has(from)) edges.set(from, new Set());
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = resolveImport(file, m[2] ?? '');
      if (!target || relative(root, target).startsWith('..')) continue;
      const to = nodeOf(root, level, target);
      if (to !== from) edges.get(from)?.add(to);
    }
  }
  // Tarjan's strongly connected components.
  let counter = 0;
  /** @type {Map<string, number>} */ const index = new Map();
  /** @type {Map<string, number>} */ const low = new Map();
  /** @type {string[]} */ const stack = [];
  const onStack = new Set();
  /** @type {Map<string, string[]>} */ const component = new Map();
  /** @param {string} v */
  const visit = (v) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) === index.get(v)) {
      /** @type {string[]} */ const members = [];
      let w;
      do {
        w = /** @type {string} */ (stack.pop());
        onStack.delete(w);
        members.push(w);
      } while (w !== v);
      members.sort();
      if (members.length > 1) for (const m of members) component.set(m, members);
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return component;
}

/** @type {Map<string, Map<string, string[]>>} */
const cache = new Map();

/** @type {import('eslint').Rule.RuleModule} */
const noCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'No import that closes a cycle, between files or between the top folders under a root' },
    schema: [
      {
        type: 'object',
        properties: { root: { type: 'string' }, level: { enum: ['file', 'folder'] } },
        required: ['root', 'level'],
        additionalProperties: false,
      },
    ],
  },
  create(context) {
    const { root: rootOption, level } = context.options[0];
    const root = resolve(context.cwd, rootOption);
    const file = context.filename;
    if (relative(root, file).startsWith('..')) return {};
    const key = `${root}\0${level}`;
    let components = cache.get(key);
    if (!components) cache.set(key, (components = cyclesUnder(root, level)));
    const self = nodeOf(root, level, file);
    const members = components.get(self);
    if (!members) return {};
    /** @param {any} node an import or export declaration, or import() */
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = resolveImport(file, spec);
      if (!target) return;
      const other = nodeOf(root, level, target);
      if (other === self || !members.includes(other)) return;
      context.report({
        node,
        message: `${level === 'folder' ? 'Folder' : 'Module'} ${self} imports ${other}, which imports ${self} back (a cycle through ${members.join(', ')}): move what both need into a lower ${level === 'folder' ? 'folder (lib/, components/, state/)' : 'module'}.`,
      });
    };
    /** @type {import('eslint').Rule.RuleListener} */
    const listener = {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
    return listener;
  },
};

export default { rules: { 'no-cycle': noCycle } };
