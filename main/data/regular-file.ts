/**
 * Only regular files are read as data, models or specs. A device (/dev/zero reports size 0, so no size limit applies,
 * and it never ends), a FIFO (its read blocks the whole process until a writer comes) or a socket, also behind a
 * symlink, is refused by what it is before a byte is read.
 */
import type { Stats } from 'node:fs';

/** What a non-regular file is ("a character device", …), or null for a regular file or a folder. Takes a Dirent too. */
export function specialFileKind(
  stats: Pick<Stats, 'isFile' | 'isDirectory' | 'isCharacterDevice' | 'isBlockDevice' | 'isFIFO' | 'isSocket'>,
): string | null {
  if (stats.isFile() || stats.isDirectory()) return null;
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The sentence an error gives for a special file at `path`. */
export function specialFileMessage(path: string, kind: string): string {
  return `expected a regular file, received ${kind} (${path}).`;
}
