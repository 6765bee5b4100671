/**
 * `rnn-studio export <runDir> --format keras|tfjs|python|all --out DIR` and
 * `rnn-studio import <model.keras|model.json|to_json.json> --out DIR`.
 */
import { resolve } from 'node:path';
import { EXPORT_FORMATS, exportRun } from '../interop/export.js';
import type { ExportFormat } from '../interop/export.js';
import { importModelFile, writeImport } from '../interop/import.js';

export const INTEROP_USAGE = `  rnn-studio export <runDir> [--format keras|tfjs|python|all] [--out DIR] [--data PATH]
  rnn-studio import <model.keras | model.json | keras-to_json.json> [--out DIR]`;

export const INTEROP_HELP = `export   writes a trained run as a Keras 3 .keras file, the TF.js layers format, or a runnable Keras 3 training
         script with its weights (default: all three, into <runDir>/export); --data: the data set the script
         reads by default (else the run's own where the run folder records it)
import   turns a Keras .keras file, a Keras model.to_json() file or a TF.js model.json into a spec (spec.json)
         and, where the file has weights, a TF.js model (model/) — default folder: ./imported-<name>`;
import { isBidirectional } from '../../shared/model-spec.js';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

class Usage extends Error {}

function parse(argv: string[]): {
  command: 'export' | 'import';
  path: string;
  format: ExportFormat | 'all';
  out?: string;
  data?: string;
} {
  const [command, ...rest] = argv as ['export' | 'import', ...string[]];
  let path = '';
  let format: ExportFormat | 'all' = 'all';
  let out: string | undefined;
  let data: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = () => {
      const v = rest[++i];
      if (v === undefined || v.startsWith('--')) throw new Usage(`${a} needs a value.`);
      return v;
    };
    if (a === '--out') out = value();
    else if (a === '--data' && command === 'export') data = value();
    else if (a === '--format' && command === 'export') {
      const v = value();
      if (v !== 'all' && !(EXPORT_FORMATS as readonly string[]).includes(v))
        throw new Usage(`--format must be keras, tfjs, python or all. Received: ${v}.`);
      format = v as ExportFormat | 'all';
    } else if (a.startsWith('--')) throw new Usage(`Unknown option ${a}.`);
    else if (path)
      throw new Usage(`Expected one ${command === 'export' ? 'run folder' : 'model file'}. Received a second: ${a}.`);
    else path = a;
  }
  if (!path)
    throw new Usage(
      command === 'export'
        ? 'export needs a run folder: rnn-studio export <runDir> --format keras --out DIR.'
        : 'import needs a model file: rnn-studio import model.keras --out DIR.',
    );
  return { command, path, format, out, data };
}

/** Runs `export` / `import`; returns the exit code (0 ok, 1 failed, 2 usage). */
export async function interopCommand(argv: string[], io: Io, usage: string): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (e) {
    if (e instanceof Usage) {
      io.err(`${e.message}\n\n${usage}`);
      return 2;
    }
    throw e;
  }
  try {
    if (args.command === 'export') {
      const runDir = resolve(args.path);
      const out = resolve(args.out ?? resolve(runDir, 'export'));
      const formats = args.format === 'all' ? EXPORT_FORMATS : [args.format];
      for (const f of formats) {
        const r = await exportRun(runDir, f, out, args.data ? { dataPath: resolve(args.data) } : {});
        io.out(`${f}: ${r.files.join(', ')}`);
        io.out(`  ${r.hint}`);
      }
      return 0;
    }
    const result = await importModelFile(resolve(args.path));
    const out = resolve(args.out ?? `imported-${result.spec.name}`);
    const files = writeImport(result, out);
    io.out(
      `Imported ${result.spec.layers.length} layer(s) from ${args.path} (${result.source}): ${result.spec.layers.map((l) => (isBidirectional(l) ? `${l.className}(${l.layer.className})` : l.className)).join(' → ')}`,
    );
    for (const w of result.warnings) io.out(`Warning: ${w}`);
    for (const i of result.issues)
      io.out(
        `${i.severity === 'error' ? 'Error' : 'Warning'}${i.layerIndex !== null ? ` (layer ${i.layerIndex + 1})` : ''}: ${i.message}`,
      );
    io.out(
      result.weights
        ? `Weights: ${result.weights.length} arrays imported.`
        : `Weights: none (${result.weightsNote ?? 'none in the file'}).`,
    );
    io.out(`Wrote ${files.join(', ')}`);
    return 0;
  } catch (e) {
    io.err(`Error: ${(e as Error).message}`);
    return 1;
  }
}
