/**
 * A real full disk for the fault tests: a small tmpfs mounted on a fresh folder. Mounting needs root (as this project's
 * machines and CI run); elsewhere `mountSmallDisk` returns null with the reason, and the tests say they skipped.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallDisk {
  dir: string;
  unmount(): void;
}

export function mountSmallDisk(kib: number): SmallDisk | string {
  if (process.platform !== 'linux') return 'a tmpfs mount needs Linux';
  const dir = mkdtempSync(join(tmpdir(), 'rnn-full-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs here (needs root): ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
