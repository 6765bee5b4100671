import type { TextCorpusInfo } from '../../shared/worker-protocol.js';
import { readdirSync, statSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { fileSystemError, readCsvFile, readTextFileBytes, DEFAULT_MAX_CSV_BYTES } from './csv.js';
import type { DataDigest } from './data-digest.js';
import { DataError, quoteList, quoteReceived } from './data-error.js';
import { decodeText, NotTextError } from './encoding.js';
import { specialFileKind } from './regular-file.js';
import type { ResolvedEncodingName, TextEncodingName } from './encoding.js';

/** How a text data set is laid out on disk. */
export type TextFormat = 'auto' | 'csv' | 'folders' | 'lines';

/** Options of {@link loadTextDataset}. */
export interface TextSourceOptions {
  /** Layout; `auto` (default): a file → csv, a folder with sub-folders → folders, a folder of files → lines. */
  format?: TextFormat;
  /** Encoding of every file; `auto` (default) detects it per file, so folders may mix encodings. */
  encoding?: TextEncodingName;
  /** CSV only: the column holding the text; default the first of text/review/sentence/content present. */
  textColumn?: string;
  /** CSV only: the column holding the class name; default the first of label/sentiment/class/target/y present. */
  labelColumn?: string;
  /**
   * Class names to use, in label order (label i = classes[i]). Documents of other classes are left out.
   * Default: every class found, sorted (numerically when all names are numbers, else by code point), so the
   * labels do not depend on file-system order.
   */
  classes?: string[];
  /** Records each file's bytes as read (a run's data fingerprint). */
  digest?: DataDigest;
}

/** A loaded text-classification data set. */
export interface TextDataset {
  /** One document per entry. */
  texts: string[];
  /** labels[i] is the index in classNames of texts[i]'s class; length texts.length. */
  labels: Int32Array;
  classNames: string[];
  format: Exclude<TextFormat, 'auto'>;
  /** The encoding used, or `mixed (utf-8 ×24999, windows-1252 ×1)` when files differ. */
  encoding: string;
  /** Number of files read. */
  files: number;
  /**
   * Everything under the path that was not read as documents, with why: files that are not text (folders format),
   * entries that are not class files or folders, classes outside `classes`, groups of CSV rows. No file or folder
   * under the path is left out without an entry here or an error (blank lines of a lines-format file are not documents).
   */
  skipped: { file: string; reason: string }[];
}

const TEXT_COLUMN_NAMES = ['text', 'review', 'sentence', 'content'];
const LABEL_COLUMN_NAMES = ['label', 'sentiment', 'class', 'target', 'y'];
/** aclImdb's unlabelled reviews: a folder beside `neg` and `pos` that is not a class. */
const UNSUPERVISED_FOLDER = 'unsup';
const CSV_EXTENSIONS = new Set(['.csv', '.tsv', '.tab', '.psv', '.txt']);

/**
 * Loads a labelled text data set (one class per document) from a CSV file, an IMDB-style folder of class
 * folders, or a folder of one-file-per-class line files (rt-polarity). Synchronous: meant for the training
 * worker / CLI, not the UI thread.
 *
 * A document file of a class folder that is not text (binary, UTF-16BE, not valid in the chosen encoding) is left
 * out and listed in `skipped`, as one bad review among 25,000 should not stop an import; a class file of the
 * lines format is a whole class, so the same problem there is an error.
 *
 * @throws DataError for a missing path, fewer than 2 classes, a class without documents, an empty class file,
 *   an empty text cell, an unknown column or class name and every CSV / decoding error (lines and csv formats).
 */
export function loadTextDataset(path: string, opts: TextSourceOptions = {}): TextDataset {
  const format = opts.format ?? 'auto';
  checkClassesOption(opts.classes);
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw fileSystemError(path, error);
  }
  switch (format) {
    case 'csv':
      return loadCsv(path, opts);
    case 'folders':
      return loadFolders(requireFolder(path, stats.isDirectory(), 'folders'), opts);
    case 'lines':
      return loadLines(stats.isDirectory() ? path : dirname(path), opts);
    case 'auto':
      if (!stats.isDirectory()) return isOneOfClassFiles(path) ? loadLines(dirname(path), opts) : loadCsv(path, opts);
      return listEntries(path).some((e) => e.isDirectory()) ? loadFolders(path, opts) : loadLines(path, opts);
    default: {
      const never: never = format;
      throw new DataError(
        `\`format\` must be one of "auto", "csv", "folders", "lines". Received: format=${JSON.stringify(never)}.`,
      );
    }
  }
}

function requireFolder(path: string, isDirectory: boolean, format: string): string {
  if (!isDirectory) {
    throw new DataError(`expected a folder for format "${format}", received a file.`, { file: path });
  }
  return path;
}

function checkClassesOption(classes: string[] | undefined): void {
  if (classes === undefined) return;
  const seen = new Set<string>();
  for (const c of classes) {
    if (typeof c !== 'string' || c.trim() === '') {
      throw new DataError(`\`classes\` must hold non-empty names. Received: classes=${JSON.stringify(classes)}.`);
    }
    if (seen.has(c)) throw new DataError(`\`classes\` must not repeat a name. Received: ${quoteReceived(c)} twice.`);
    seen.add(c);
  }
}

/** A file not listed as a CSV type whose folder holds siblings with the same base name: rt-polarity.pos. */
function isOneOfClassFiles(path: string): boolean {
  if (CSV_EXTENSIONS.has(extname(path).toLowerCase()) || extname(path) === '') return false;
  const stem = basename(path, extname(path));
  const siblings = listEntries(dirname(path)).filter((e) => e.isFile() && stemOf(e.name) === stem);
  return siblings.length >= 2;
}

function stemOf(name: string): string {
  return basename(name, extname(name));
}

function listEntries(folder: string): Dirent[] {
  try {
    // Sorted so document order (and anything derived from it) does not depend on the file system.
    return readdirSync(folder, { withFileTypes: true }).sort((a, b) => compareCodePoints(a.name, b.name));
  } catch (error) {
    throw fileSystemError(folder, error);
  }
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Numeric order when every name is a number ("2" before "10"), else code-point order (Python's `sorted`). */
function sortClassNames(names: Iterable<string>): string[] {
  const list = [...names];
  const numeric = list.every((n) => n.trim() !== '' && Number.isFinite(Number(n)));
  return numeric ? list.sort((a, b) => Number(a) - Number(b) || compareCodePoints(a, b)) : list.sort(compareCodePoints);
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function describeEncodings(counts: Map<ResolvedEncodingName, number>): string {
  if (counts.size === 1) return [...counts.keys()][0] ?? 'utf-8';
  if (counts.size === 0) return 'none';
  return `mixed (${[...counts].map(([e, n]) => `${e} ×${n}`).join(', ')})`;
}

/** Applies `classes` (or the sorted default), checks there are ≥ 2 classes each with documents, builds labels. */
function finish(
  where: string,
  docs: { text: string; className: string }[],
  found: string[],
  opts: TextSourceOptions,
  result: Omit<TextDataset, 'texts' | 'labels' | 'classNames'>,
): TextDataset {
  const classNames = opts.classes ?? sortClassNames(new Set(found));
  if (classNames.length < 2) {
    throw new DataError(
      `expected at least 2 classes, received ${classNames.length}${classNames.length ? ` (${quoteList(classNames)})` : ''}.`,
      { file: where },
    );
  }
  const indexOf = new Map(classNames.map((c, i) => [c, i]));
  const counts = new Array<number>(classNames.length).fill(0);
  const texts: string[] = [];
  const labels: number[] = [];
  for (const doc of docs) {
    const label = indexOf.get(doc.className);
    if (label === undefined) continue;
    texts.push(doc.text);
    labels.push(label);
    counts[label] = (counts[label] ?? 0) + 1;
  }
  counts.forEach((count, i) => {
    if (count === 0) {
      const name = classNames[i] ?? '';
      const available = sortClassNames(new Set(found));
      // Say why when the class's files were all left out (binary, empty, not .txt): "received none" alone misleads.
      const left = result.skipped.filter(
        (s) => relative(where, s.file).split(/[/\\]/)[0] === name || basename(s.file) === name,
      );
      const why =
        left.length === 0
          ? ''
          : ` ${plural(left.length, 'file')} of it left out, e.g. ${quoteReceived(relative(where, left[0]!.file) || basename(left[0]!.file))}: ${left[0]!.reason}.`;
      throw new DataError(
        `expected documents for class ${quoteReceived(name)}, received none.${why} Classes found: ${quoteList(available)}.`,
        { file: where },
      );
    }
  });
  return { ...result, texts, labels: Int32Array.from(labels), classNames };
}

function pickColumn(
  header: string[],
  given: string | undefined,
  candidates: string[],
  role: string,
  option: string,
  file: string,
): number {
  if (given !== undefined) {
    const i = header.indexOf(given);
    if (i < 0) {
      throw new DataError(
        `expected a ${role} column named ${quoteReceived(given)} (\`${option}\`), received none. Available columns: ${quoteList(header)}.`,
        { file },
      );
    }
    return i;
  }
  for (const candidate of candidates) {
    const i = header.findIndex((h) => h.toLowerCase() === candidate);
    if (i >= 0) return i;
  }
  throw new DataError(
    `expected a ${role} column named ${candidates.join(', ')} (any case), received none; set \`${option}\`. ` +
      `Available columns: ${quoteList(header)}.`,
    { file },
  );
}

function loadCsv(path: string, opts: TextSourceOptions): TextDataset {
  const table = readCsvFile(path, {
    encoding: opts.encoding ?? 'auto',
    ...(opts.digest ? { digest: opts.digest } : {}),
  });
  const textIndex = pickColumn(table.header, opts.textColumn, TEXT_COLUMN_NAMES, 'text', 'textColumn', path);
  const labelIndex = pickColumn(table.header, opts.labelColumn, LABEL_COLUMN_NAMES, 'label', 'labelColumn', path);
  const textColumn = table.header[textIndex] ?? '';
  const labelColumn = table.header[labelIndex] ?? '';
  const docs: { text: string; className: string }[] = [];
  const found = new Set<string>();
  table.rows.forEach((row, i) => {
    const text = row[textIndex] ?? '';
    const className = (row[labelIndex] ?? '').trim();
    const rowNumber = table.rowLines[i] ?? 0;
    if (text.trim() === '') {
      throw new DataError('expected a text, received an empty cell.', {
        file: path,
        row: rowNumber,
        column: textColumn,
      });
    }
    if (className === '') {
      throw new DataError('expected a class name, received an empty cell.', {
        file: path,
        row: rowNumber,
        column: labelColumn,
      });
    }
    docs.push({ text, className });
    found.add(className);
  });
  const skipped: TextDataset['skipped'] = [];
  if (opts.classes !== undefined) {
    const wanted = new Set(opts.classes);
    const left = docs.filter((d) => !wanted.has(d.className));
    if (left.length > 0) {
      const names = sortClassNames(new Set(left.map((d) => d.className)));
      skipped.push({
        file: path,
        reason: `${plural(left.length, 'row')} with a class outside \`classes\` (${quoteList(names)}) left out`,
      });
    }
  }
  return finish(path, docs, [...found], opts, {
    format: 'csv',
    encoding: table.encoding,
    files: 1,
    skipped,
  });
}

/** The reason a folders-format document that is binary is left out (kept short: it is repeated per file). */
const BINARY_REASON = 'binary file (contains NUL bytes), not text';

/** One decoded document file; the start is checked first so a 1 GiB binary file is refused after 64 KiB. */
function readDocument(
  file: string,
  encoding: TextEncodingName,
  digest: DataDigest | undefined,
): { text: string; encoding: ResolvedEncodingName } {
  const bytes = readTextFileBytes(file, DEFAULT_MAX_CSV_BYTES, encoding);
  digest?.add(file, bytes);
  return decodeText(bytes, encoding, file);
}

/** Why a directory entry that is neither a regular file nor a folder is not read. */
function notReadReason(entry: Dirent): string {
  // Followed, a link could lead outside the data set or into a loop; a FIFO would block the read.
  return entry.isSymbolicLink()
    ? 'a symbolic link, not followed'
    : `${specialFileKind(entry) ?? 'not a regular file'}, not read`;
}

/** Every non-folder entry under `folder` (recursively, as Keras's `text_dataset_from_directory` walks), sorted. */
function walkFiles(folder: string): { path: string; entry: Dirent }[] {
  const out: { path: string; entry: Dirent }[] = [];
  for (const entry of listEntries(folder)) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) out.push(...walkFiles(path));
    else out.push({ path, entry });
  }
  return out;
}

/** Why an entry of a folders-format root is not a class folder that is read. */
function rootEntryReason(entry: Dirent, classesGiven: boolean): string {
  if (!entry.isDirectory() && !entry.isFile()) return notReadReason(entry);
  if (entry.isFile()) return 'a file beside the class folders, not in a class';
  if (entry.name.startsWith('.')) return 'a hidden folder, not a class';
  if (classesGiven) return 'a folder not named in `classes`';
  return 'unlabelled documents (as in aclImdb), not a class; name it in `classes` to use it';
}

function loadFolders(root: string, opts: TextSourceOptions): TextDataset {
  const encoding = opts.encoding ?? 'auto';
  const entries = listEntries(root);
  const folders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  let classFolders: string[];
  if (opts.classes !== undefined) {
    for (const c of opts.classes) {
      if (!folders.includes(c)) {
        throw new DataError(
          `expected a folder named ${quoteReceived(c)} for a class in \`classes\`, received none. Folders: ${quoteList(folders)}.`,
          { file: root },
        );
      }
    }
    classFolders = opts.classes;
  } else {
    classFolders = folders.filter((f) => f !== UNSUPERVISED_FOLDER);
  }
  const docs: { text: string; className: string }[] = [];
  const skipped: TextDataset['skipped'] = [];
  const read = new Set(classFolders);
  for (const entry of entries) {
    if (!(entry.isDirectory() && read.has(entry.name))) {
      skipped.push({ file: join(root, entry.name), reason: rootEntryReason(entry, opts.classes !== undefined) });
    }
  }
  const encodings = new Map<ResolvedEncodingName, number>();
  let files = 0;
  for (const className of classFolders) {
    for (const { path: file, entry } of walkFiles(join(root, className))) {
      const shown = relative(root, file);
      if (!entry.isFile()) {
        skipped.push({ file, reason: notReadReason(entry) });
        continue;
      }
      if (extname(file).toLowerCase() !== '.txt') {
        skipped.push({ file, reason: `not a .txt file (${shown})` });
        continue;
      }
      let doc: { text: string; encoding: ResolvedEncodingName };
      try {
        doc = readDocument(file, encoding, opts.digest);
      } catch (error) {
        if (!(error instanceof NotTextError)) throw error;
        skipped.push({ file, reason: error.nulOffset === undefined ? error.detail.replace(/\.$/, '') : BINARY_REASON });
        continue;
      }
      files += 1;
      if (doc.text.trim() === '') {
        // One empty review among 25,000 should not stop an import; it is reported instead.
        skipped.push({ file, reason: 'empty text' });
        continue;
      }
      encodings.set(doc.encoding, (encodings.get(doc.encoding) ?? 0) + 1);
      docs.push({ text: doc.text, className });
    }
  }
  return finish(root, docs, classFolders, opts, {
    format: 'folders',
    encoding: describeEncodings(encodings),
    files,
    skipped,
  });
}

/**
 * Class name of each line file: the extensions when every file shares one base name (`rt-polarity.pos` → `pos`),
 * else each file name without its extension (`positive.txt` → `positive`).
 */
function lineFileClassNames(names: string[]): string[] {
  const stems = new Set(names.map(stemOf));
  const byExtension = stems.size === 1 && names.length > 1 && names.every((n) => extname(n).length > 1);
  return names.map((n) => (byExtension ? extname(n).slice(1) : stemOf(n) || n));
}

function loadLines(folder: string, opts: TextSourceOptions): TextDataset {
  const encoding = opts.encoding ?? 'auto';
  const skipped: TextDataset['skipped'] = [];
  const names: string[] = [];
  for (const entry of listEntries(folder)) {
    const file = join(folder, entry.name);
    if (entry.name.startsWith('.'))
      skipped.push({ file, reason: `a hidden ${entry.isDirectory() ? 'folder' : 'file'}, not a class` });
    else if (entry.isDirectory())
      skipped.push({ file, reason: 'a folder, not a class file (format "lines" reads one file per class)' });
    else if (!entry.isFile()) skipped.push({ file, reason: notReadReason(entry) });
    else names.push(entry.name);
  }
  const classOf = lineFileClassNames(names);
  const fileOfClass = new Map<string, string>();
  names.forEach((name, i) => {
    const className = classOf[i] ?? name;
    const other = fileOfClass.get(className);
    if (other !== undefined) {
      throw new DataError(
        `expected one file per class, received two files for class ${quoteReceived(className)}: ${quoteList([other, name])}.`,
        { file: folder },
      );
    }
    fileOfClass.set(className, name);
  });
  const wanted = opts.classes === undefined ? null : new Set(opts.classes);
  if (opts.classes !== undefined) {
    for (const c of opts.classes) {
      if (!fileOfClass.has(c)) {
        throw new DataError(
          `expected a file for class ${quoteReceived(c)} in \`classes\`, received none. Classes found: ${quoteList([...fileOfClass.keys()])}.`,
          { file: folder },
        );
      }
    }
  }
  const docs: { text: string; className: string }[] = [];
  const encodings = new Map<ResolvedEncodingName, number>();
  const found: string[] = [];
  let files = 0;
  for (const [className, name] of fileOfClass) {
    const file = join(folder, name);
    if (wanted !== null && !wanted.has(className)) {
      skipped.push({ file, reason: `class ${quoteReceived(className)}, not named in \`classes\`` });
      continue;
    }
    // A class file is a whole class: binary or undecodable, it is an error (decodeText's, naming the file), not a skip.
    const doc = readDocument(file, encoding, opts.digest);
    if (doc.text.trim() === '') {
      throw new DataError(
        `expected one document per line for class ${quoteReceived(className)}, received ${doc.text === '' ? 'an empty file' : 'only blank lines'}.`,
        { file },
      );
    }
    files += 1;
    encodings.set(doc.encoding, (encodings.get(doc.encoding) ?? 0) + 1);
    found.push(className);
    // Split on line breaks only: rt-polarity's 0x85 bytes are "…" in cp1252, and U+2028/U+0085 are text here.
    for (const line of doc.text.split(/\r\n|\n|\r/)) {
      const text = line.trim();
      if (text !== '') docs.push({ text, className });
    }
  }
  return finish(folder, docs, found, opts, {
    format: 'lines',
    encoding: describeEncodings(encodings),
    files,
    skipped,
  });
}

/**
 * What the data preview and a run's report say about a loaded text data set: counts per class and at most
 * `maxSkipped` entries of `skipped` (a folder of 10,000 binaries should not flood a report); when there are more,
 * the last entry says how many were not listed, so the report never understates what was left out.
 */
export function describeCorpus(ds: TextDataset, path: string, maxSkipped = 50): TextCorpusInfo {
  const classCounts = ds.classNames.map(() => 0);
  for (const l of ds.labels) classCounts[l]!++;
  const listed = Math.max(0, maxSkipped - 1);
  const skipped =
    ds.skipped.length <= maxSkipped || maxSkipped <= 0
      ? ds.skipped.slice(0, Math.max(0, maxSkipped))
      : [
          ...ds.skipped.slice(0, listed),
          { file: path, reason: `${ds.skipped.length - listed} more entries left out, not listed here` },
        ];
  return {
    kind: 'text',
    path,
    format: ds.format,
    encoding: ds.encoding,
    documents: ds.texts.length,
    classNames: ds.classNames,
    classCounts,
    skipped,
  };
}
