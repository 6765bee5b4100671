import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeCorpus, loadTextDataset } from './text-dataset.js';
import type { TextDataset, TextSourceOptions } from './text-dataset.js';
import { assertDataError, makeTempDir, missingSharedData, sharedData } from './test-support.js';

const RT = sharedData('rt-polarity');
const utf16le = (s: string): Buffer => Buffer.from(s, 'utf16le');
/** Symbolic links need a privilege on Windows; these fixtures are made only where they need none. */
const noSymlinks = process.platform === 'win32' ? 'symbolic links need a privilege on Windows' : false;

function countLabels(labels: Int32Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
  return counts;
}

describe('loadTextDataset on rt-polarity (lines, windows-1252)', { skip: missingSharedData('rt-polarity') }, () => {
  it('loads 10,662 snippets in 2 classes named from the extensions', () => {
    const ds = loadTextDataset(RT);
    assert.equal(ds.format, 'lines');
    assert.deepEqual(ds.classNames, ['neg', 'pos']);
    assert.equal(ds.texts.length, 10662);
    assert.equal(ds.labels.length, 10662);
    assert.deepEqual(countLabels(ds.labels, 2), [5331, 5331]);
    assert.equal(ds.encoding, 'windows-1252');
    assert.equal(ds.files, 2);
    assert.deepEqual(ds.skipped, []);
    const i = ds.texts.findIndex((t) => t.includes('ladrón de orquídeas'));
    assert.ok(i >= 0);
    assert.equal(ds.classNames[ds.labels[i] ?? -1], 'pos');
    assert.ok(ds.texts.every((t) => t === t.trim() && t !== ''));
  });

  const paths: { name: string; target: string; opts?: TextSourceOptions }[] = [
    { name: 'auto on one of the class files uses its folder', target: path.join(RT, 'rt-polarity.pos') },
    {
      name: 'format "lines" on a file uses its folder',
      target: path.join(RT, 'rt-polarity.neg'),
      opts: { format: 'lines' },
    },
  ];
  for (const c of paths) {
    it(c.name, () => {
      const ds = loadTextDataset(c.target, c.opts);
      assert.equal(ds.format, 'lines');
      assert.equal(ds.texts.length, 10662);
    });
  }

  it('classes reorders labels', () => {
    const ds = loadTextDataset(RT, { classes: ['pos', 'neg'] });
    assert.deepEqual(ds.classNames, ['pos', 'neg']);
    assert.equal(ds.labels[0], 1); // neg's file comes first in the folder
  });
});

describe('loadTextDataset on temporary data', () => {
  const { dir, cleanup } = makeTempDir('text');
  const imdb = path.join(dir, 'aclImdb', 'train');
  const write = (rel: string, content: string | Uint8Array): string => {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    return file;
  };
  before(() => {
    write('aclImdb/train/neg/0_2.txt', 'Terrible.<br /><br />Awful film');
    write('aclImdb/train/neg/1_1.txt', Uint8Array.from([...Buffer.from('Mauvais caf'), 0xe9])); // Latin-1
    write('aclImdb/train/neg/image.txt', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x1a]));
    write('aclImdb/train/pos/0_9.txt', 'Great ☺ film');
    write('aclImdb/train/pos/1_8.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Loved it', 'utf16le')]));
    write('aclImdb/train/pos/notes.md', 'not a review');
    write('aclImdb/train/pos/sub/2_7.txt', 'Nested one');
    write('aclImdb/train/unsup/0_0.txt', 'No label');
    write('aclImdb/train/labeledBow.feat', '0 0:1');
    write('aclImdb/train/urls_neg.txt', 'http://example.com');
    write('empty-class/a/1.txt', 'fine');
    mkdirSync(path.join(dir, 'empty-class', 'b'));
    write('lines/positive.txt', 'good\r\n\r\n  nice  \r\n');
    write('lines/negative.txt', 'bad\n');
    write('reviews.csv', 'Review,Sentiment\n"Great, really",pos\nBad,neg\nMeh,neutral\nFine,pos\n');
    write('numeric.csv', 'text,label\na,1\nb,0\nc,10\nd,2\n');
    write('other-names.csv', 'body,stars\nok,5\nbad,1\n');
    write('empty-text.csv', 'text,label\nfine,pos\n"",neg\n');
    write('one-class.csv', 'text,label\na,pos\nb,pos\n');
    write('folders-odd/.git/HEAD', 'ref: refs/heads/main');
    write('folders-odd/README.md', 'about the data');
    write('folders-odd/extra/1.txt', 'not asked for');
    write('folders-odd/neg/1.txt', 'dull');
    write('folders-odd/neg/be.txt', Uint8Array.from([0xfe, 0xff, 0x00, 0x41]));
    write('folders-odd/pos/1.txt', utf16le('loved it'));
    write('lines-odd/pos.txt', 'good\n');
    write('lines-odd/neg.txt', 'bad\n');
    write('lines-odd/neu.txt', 'meh\n');
    write('lines-odd/.hidden', 'x');
    write('lines-odd/sub/1.txt', 'nested');
    write('lines-utf16/pos.txt', utf16le('good\r\nfine\r\n'));
    write('lines-utf16/neg.txt', 'bad\n');
    for (const [folder, neg] of [
      ['lines-binary', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x00, 0x0d])],
      ['lines-empty', ''],
      ['lines-blank', ' \n\r\n'],
      ['lines-utf16be', Uint8Array.from([0xfe, 0xff, 0x00, 0x62, 0x00, 0x61, 0x00, 0x64])],
    ] as const) {
      write(`${folder}/pos.txt`, 'good\n');
      write(`${folder}/neu.txt`, 'meh\n');
      write(`${folder}/neg.txt`, neg);
    }
    if (!noSymlinks) {
      symlinkSync(path.join(dir, 'folders-odd', 'neg', '1.txt'), path.join(dir, 'folders-odd', 'neg', 'link.txt'));
      symlinkSync(path.join(dir, 'lines-odd', 'pos.txt'), path.join(dir, 'lines-odd', 'link.txt'));
    }
  });
  after(cleanup);

  it('folders: aclImdb layout, mixed encodings, binary and non-.txt files skipped, unsup and loose files reported', () => {
    const ds = loadTextDataset(imdb);
    assert.equal(ds.format, 'folders');
    assert.deepEqual(ds.classNames, ['neg', 'pos']);
    assert.deepEqual(ds.texts, [
      'Terrible.<br /><br />Awful film',
      'Mauvais café',
      'Great ☺ film',
      'Loved it',
      'Nested one',
    ]);
    assert.deepEqual([...ds.labels], [0, 0, 1, 1, 1]);
    assert.equal(ds.encoding, 'mixed (utf-8 ×3, windows-1252 ×1, utf-16le ×1)');
    assert.equal(ds.files, 5);
    assert.deepEqual(ds.skipped, [
      { file: path.join(imdb, 'labeledBow.feat'), reason: 'a file beside the class folders, not in a class' },
      {
        file: path.join(imdb, 'unsup'),
        reason: 'unlabelled documents (as in aclImdb), not a class; name it in `classes` to use it',
      },
      { file: path.join(imdb, 'urls_neg.txt'), reason: 'a file beside the class folders, not in a class' },
      { file: path.join(imdb, 'neg', 'image.txt'), reason: 'binary file (contains NUL bytes), not text' },
      { file: path.join(imdb, 'pos', 'notes.md'), reason: `not a .txt file (${path.join('pos', 'notes.md')})` },
    ]);
  });

  it('folders: classes can take in unsup and set the order', () => {
    const ds = loadTextDataset(imdb, { classes: ['unsup', 'pos'] });
    assert.deepEqual(ds.classNames, ['unsup', 'pos']);
    assert.deepEqual(ds.texts, ['No label', 'Great ☺ film', 'Loved it', 'Nested one']);
    assert.deepEqual([...ds.labels], [0, 1, 1, 1]);
  });

  it(
    'folders: every entry that is not read is reported with why; a UTF-16LE document without BOM is read',
    { skip: noSymlinks },
    () => {
      const root = path.join(dir, 'folders-odd');
      const ds = loadTextDataset(root, { classes: ['neg', 'pos'] });
      assert.deepEqual(ds.texts, ['dull', 'loved it']);
      assert.equal(ds.encoding, 'mixed (utf-8 ×1, utf-16le ×1)');
      assert.deepEqual(ds.skipped, [
        { file: path.join(root, '.git'), reason: 'a hidden folder, not a class' },
        { file: path.join(root, 'README.md'), reason: 'a file beside the class folders, not in a class' },
        { file: path.join(root, 'extra'), reason: 'a folder not named in `classes`' },
        {
          file: path.join(root, 'neg', 'be.txt'),
          reason:
            'expected UTF-8, UTF-16LE, Latin-1 or Windows-1252 text, received UTF-16BE (byte-order mark FE FF). Save the file as UTF-8',
        },
        { file: path.join(root, 'neg', 'link.txt'), reason: 'a symbolic link, not followed' },
      ]);
    },
  );

  it('lines: every entry that is not a class file read is reported with why', { skip: noSymlinks }, () => {
    const folder = path.join(dir, 'lines-odd');
    const ds = loadTextDataset(folder, { format: 'lines', classes: ['pos', 'neg'] });
    assert.deepEqual(ds.texts, ['bad', 'good']);
    assert.deepEqual(ds.skipped, [
      { file: path.join(folder, '.hidden'), reason: 'a hidden file, not a class' },
      { file: path.join(folder, 'link.txt'), reason: 'a symbolic link, not followed' },
      {
        file: path.join(folder, 'sub'),
        reason: 'a folder, not a class file (format "lines" reads one file per class)',
      },
      { file: path.join(folder, 'neu.txt'), reason: 'class "neu", not named in `classes`' },
    ]);
  });

  it('lines: a UTF-16LE class file without BOM is read', () => {
    const ds = loadTextDataset(path.join(dir, 'lines-utf16'));
    assert.deepEqual(ds.texts, ['bad', 'good', 'fine']);
    assert.equal(ds.encoding, 'mixed (utf-8 ×1, utf-16le ×1)');
  });

  it('lines: file names as classes when base names differ; blank lines skipped', () => {
    const ds = loadTextDataset(path.join(dir, 'lines'));
    assert.deepEqual(ds.classNames, ['negative', 'positive']);
    assert.deepEqual(ds.texts, ['bad', 'good', 'nice']);
    assert.deepEqual([...ds.labels], [0, 1, 1]);
    assert.equal(ds.encoding, 'utf-8');
  });

  const csvCases: {
    name: string;
    file: string;
    opts?: TextSourceOptions;
    classNames: string[];
    texts: string[];
    labels: number[];
    skipped?: number;
  }[] = [
    {
      name: 'columns found by common names in any case',
      file: 'reviews.csv',
      classNames: ['neg', 'neutral', 'pos'],
      texts: ['Great, really', 'Bad', 'Meh', 'Fine'],
      labels: [2, 0, 1, 2],
    },
    {
      name: 'classes restricts and orders; left-out rows are reported',
      file: 'reviews.csv',
      opts: { classes: ['pos', 'neg'] },
      classNames: ['pos', 'neg'],
      texts: ['Great, really', 'Bad', 'Fine'],
      labels: [0, 1, 0],
      skipped: 1,
    },
    {
      name: 'numeric labels sort as numbers',
      file: 'numeric.csv',
      classNames: ['0', '1', '2', '10'],
      texts: ['a', 'b', 'c', 'd'],
      labels: [1, 0, 3, 2],
    },
    {
      name: 'explicit columns',
      file: 'other-names.csv',
      opts: { textColumn: 'body', labelColumn: 'stars' },
      classNames: ['1', '5'],
      texts: ['ok', 'bad'],
      labels: [1, 0],
    },
  ];
  for (const c of csvCases) {
    it(`csv: ${c.name}`, () => {
      const ds = loadTextDataset(path.join(dir, c.file), c.opts);
      assert.equal(ds.format, 'csv');
      assert.deepEqual(ds.classNames, c.classNames);
      assert.deepEqual(ds.texts, c.texts);
      assert.deepEqual([...ds.labels], c.labels);
      assert.equal(ds.skipped.length, c.skipped ?? 0);
    });
  }

  it('csv: the left-out rows entry names the classes', () => {
    const ds = loadTextDataset(path.join(dir, 'reviews.csv'), { classes: ['pos', 'neg'] });
    assert.equal(ds.skipped[0]?.reason, '1 row with a class outside `classes` ("neutral") left out');
  });

  const errors: {
    name: string;
    target: string;
    opts?: TextSourceOptions;
    message: string;
    row?: number;
    column?: string;
  }[] = [
    {
      name: 'missing path',
      target: 'nope',
      message: `nope: expected a readable file or folder at ${path.join('DIR', 'nope')}, received an error: nothing exists at this path.`,
    },
    {
      name: 'unknown columns list the available ones',
      target: 'other-names.csv',
      message:
        'other-names.csv: expected a text column named text, review, sentence, content (any case), received none; ' +
        'set `textColumn`. Available columns: "body", "stars".',
    },
    {
      name: 'empty text cell',
      target: 'empty-text.csv',
      message: 'empty-text.csv, row 3, column "text": expected a text, received an empty cell.',
      row: 3,
      column: 'text',
    },
    {
      name: 'a single class',
      target: 'one-class.csv',
      message: 'one-class.csv: expected at least 2 classes, received 1 ("pos").',
    },
    {
      name: 'a class folder without documents',
      target: 'empty-class',
      message: 'empty-class: expected documents for class "b", received none. Classes found: "a", "b".',
    },
    {
      name: 'a class in classes that has no folder',
      target: 'aclImdb/train',
      opts: { classes: ['pos', 'neutral'] },
      message:
        'train: expected a folder named "neutral" for a class in `classes`, received none. Folders: "neg", "pos", "unsup".',
    },
    {
      name: 'a class in classes with no CSV rows',
      target: 'reviews.csv',
      opts: { classes: ['pos', 'mixed'] },
      message:
        'reviews.csv: expected documents for class "mixed", received none. Classes found: "neg", "neutral", "pos".',
    },
    {
      name: 'lines: a binary class file is an error naming it (a whole class would vanish)',
      target: 'lines-binary',
      message:
        'neg.txt: expected text, received binary data (a NUL byte at offset 4; the file starts 89 50 4E 47 00 00 00 0D). ' +
        'Choose a CSV or text file.',
    },
    {
      name: 'lines: an empty class file',
      target: 'lines-empty',
      message: 'neg.txt: expected one document per line for class "neg", received an empty file.',
    },
    {
      name: 'lines: a class file of blank lines',
      target: 'lines-blank',
      message: 'neg.txt: expected one document per line for class "neg", received only blank lines.',
    },
    {
      name: 'lines: a UTF-16BE class file',
      target: 'lines-utf16be',
      message:
        'neg.txt: expected UTF-8, UTF-16LE, Latin-1 or Windows-1252 text, received UTF-16BE (byte-order mark FE FF). Save the file as UTF-8.',
    },
    {
      name: 'folders format on a file',
      target: 'reviews.csv',
      opts: { format: 'folders' },
      message: 'reviews.csv: expected a folder for format "folders", received a file.',
    },
  ];
  for (const c of errors) {
    it(`refuses: ${c.name}`, () => {
      assertDataError(() => loadTextDataset(path.join(dir, c.target), c.opts), {
        message: c.message.replace(path.join('DIR', 'nope'), path.join(dir, 'nope')),
        ...(c.row === undefined ? {} : { row: c.row }),
        ...(c.column === undefined ? {} : { column: c.column }),
      });
    });
  }
});

describe('describeCorpus', () => {
  const ds = (skipped: number): TextDataset => ({
    texts: ['a', 'b'],
    labels: Int32Array.from([0, 1]),
    classNames: ['neg', 'pos'],
    format: 'folders',
    encoding: 'utf-8',
    files: 2,
    skipped: Array.from({ length: skipped }, (_, i) => ({ file: `/d/neg/${i}.png`, reason: 'not a .txt file' })),
  });
  const cases: { skipped: number; listed: number; last: string }[] = [
    { skipped: 3, listed: 3, last: 'not a .txt file' },
    { skipped: 50, listed: 50, last: 'not a .txt file' },
    { skipped: 60, listed: 50, last: '11 more entries left out, not listed here' },
  ];
  for (const c of cases) {
    it(`${c.skipped} skipped entries: ${c.listed} listed, the last one says how many more`, () => {
      const info = describeCorpus(ds(c.skipped), '/d', 50);
      assert.equal(info.skipped.length, c.listed);
      assert.equal(info.skipped.at(-1)?.reason, c.last);
      assert.deepEqual(info.classCounts, [1, 1]);
    });
  }
});
