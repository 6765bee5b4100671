/**
 * Child process for the kill-mid-save fault test (faults.test.ts): saves a project through the studio service and
 * is killed with SIGKILL by the parent while doing so. With `stopAt` = write / fsync / rename, the save is held
 * inside that step of the atomic write (half the bytes written, before the fsync, before the rename) so the kill
 * lands exactly there; with `loop`, it saves new versions forever and the kill lands wherever it lands.
 * Usage: node --import tsx save-child.ts USER_DATA write|fsync|rename|loop
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const [userData, stopAt] = process.argv.slice(2) as [string, string];
let saving = false;
const hold = (what: string) => {
  process.stdout.write(`in ${what}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000); // the parent kills us during this wait
};
if (stopAt === 'write') {
  const orig = fs.writeSync;
  (fs as { writeSync: unknown }).writeSync = (fd: number, buffer: Uint8Array, ...rest: unknown[]) => {
    if (!saving || !(buffer instanceof Uint8Array)) return (orig as (...a: unknown[]) => number)(fd, buffer, ...rest);
    (orig as (...a: unknown[]) => number)(fd, buffer.subarray(0, buffer.length >> 1));
    hold('writeSync (half written)');
    return buffer.length;
  };
} else if (stopAt === 'fsync' || stopAt === 'rename') {
  const name = stopAt === 'fsync' ? 'fsyncSync' : 'renameSync';
  const orig = fs[name] as (...a: unknown[]) => unknown;
  (fs as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
    if (saving) hold(name);
    return orig(...args);
  };
}
syncBuiltinESMExports();

const { StudioService } = await import('../studio/studio-service.js');
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const service = new StudioService({
  userDataDir: userData,
  host: 'web',
  appVersion: 'test',
  assetsDir: join(root, 'assets'),
  examplesDir: join(root, 'examples'),
});
const project = JSON.parse(fs.readFileSync(join(userData, 'projects', 'p1.json'), 'utf8')) as {
  spec: { description?: string };
};
for (let version = 2; ; version++) {
  // A few MiB per save so a random kill often lands inside one.
  const spec = { ...project.spec, description: `v${version} `.repeat(400_000) };
  process.stdout.write(`saving ${version}\n`);
  saving = true;
  await service.call('saveProject', { id: 'p1', name: `v${version}`, spec });
  saving = false;
  process.stdout.write(`saved ${version}\n`);
  if (stopAt !== 'loop') break;
}
