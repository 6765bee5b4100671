// Finished runs written the way the studio stores them (runs/<id>/run.json with per-epoch logs), for views that read
// runs without needing a model: the runs list, the overlay, tags and filters.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

export interface StoredRun {
  id: string;
  name: string;
  status: 'completed' | 'stopped' | 'failed' | 'early-stopped';
  /** Multiplies every logged value: runs with different scales draw apart. */
  scale: number;
  minutesAgo: number;
  /** The template family the spec names (`forecast`, …), or none. */
  family: string | null;
  epochs: number;
}

/** Writes a forecast run (the bundled GRU spec) whose losses and MAEs fall smoothly over `epochs` epochs. */
export function writeStoredRun(userDataDir: string, run: StoredRun): void {
  const spec = JSON.parse(readFileSync(join(repoRoot, 'examples', 'forecast-gru.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  if (run.family) spec.template = { family: run.family, id: `${run.family}-gru` };
  const s = run.scale;
  const epochRecords = Array.from({ length: run.epochs }, (_, epoch) => {
    const decay = Math.exp(-epoch / 3);
    return {
      kind: 'epoch',
      epoch,
      epochs: run.epochs,
      gradNorms: {},
      globalGradNorm: 1,
      seconds: 1,
      logs: {
        loss: s * (0.3 + 0.7 * decay),
        val_loss: s * (0.35 + 0.75 * decay + 0.01 * epoch),
        mae: s * (0.4 + 0.4 * decay),
        val_mae: s * (0.45 + 0.45 * decay),
      },
    };
  });
  mkdirSync(join(userDataDir, 'runs', run.id), { recursive: true });
  writeFileSync(
    join(userDataDir, 'runs', run.id, 'run.json'),
    JSON.stringify({
      id: run.id,
      name: run.name,
      createdAt: new Date(Date.now() - run.minutesAgo * 60_000).toISOString(),
      status: run.status,
      spec,
      dataPath: '/nowhere',
      epochs: run.epochs,
      backend: null,
      dataSummary: null,
      layers: [],
      result: null,
      error: null,
      epochRecords,
    }),
  );
}
