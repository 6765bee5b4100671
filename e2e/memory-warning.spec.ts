// Issue #15: a model that needs more than half of the machine's memory trains with a warning the Training tab shows
// under the progress bar (the CLI prints the same line). The web host is started with RNN_STUDIO_MACHINE_MEMORY_MB set
// to 1.5 times what the sample needs, as measured by the engine's own check.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, repoRoot, test } from './fixtures';

const VAR = 'RNN_STUDIO_MACHINE_MEMORY_MB';
let saved: string | undefined;

test.beforeAll(() => {
  saved = process.env[VAR];
  const script = `
    import { readFileSync } from 'node:fs';
    const { checkTrainingMemory } = await import(${JSON.stringify(join(repoRoot, 'main/training/memory.ts'))});
    const { analyzeModel } = await import(${JSON.stringify(join(repoRoot, 'shared/shape-inference.ts'))});
    const { resolveTraining } = await import(${JSON.stringify(join(repoRoot, 'shared/model-spec.ts'))});
    const spec = JSON.parse(readFileSync(${JSON.stringify(join(repoRoot, 'examples/forecast-gru.json'))}, 'utf8'));
    process.stdout.write(String(checkTrainingMemory(spec, analyzeModel(spec).layers, resolveTraining(spec), 'wasm').estimate.totalBytes));`;
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  delete env[VAR];
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const needs = Number(r.stdout.trim());
  expect(needs, `${r.stdout}\n${r.stderr}`).toBeGreaterThan(0);
  process.env[VAR] = String((needs * 1.5) / 2 ** 20);
});

test.afterAll(() => {
  if (saved === undefined) delete process.env[VAR];
  else process.env[VAR] = saved;
});

test("more than half of the machine's memory: the run trains, and the Training tab and the layer node show the warning", async ({
  studioApp,
}) => {
  const { studio } = studioApp;
  await studio.trainSample('forecast-gru', 1);
  const warnings = studio.byTestId('run-warnings');
  await expect(warnings).toBeVisible();
  const line = studio.byTestId('run-warning');
  await expect(line).toHaveCount(1);
  await expect(line).toHaveAttribute('data-layer-index', '0');
  await expect(line).toContainText(
    /Warning \(layer 1\): The model needs about .* that is more than half of this machine's .*, so it may swap or be stopped by the system\./,
  );
  // The same warning on the layer's node in the builder, marked as the last run's.
  await studio.openTab('builder');
  await expect(studio.byTestId('layer-warning-0')).toContainText(
    /Last run: The model needs about .* more than half of this machine's/,
  );
});
