import assert from 'node:assert/strict';
import { closeSync, openSync, ftruncateSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseCsv, readCsvFile } from './csv.js';
import { decodeText } from './encoding.js';
import type { CsvDelimiter } from './csv.js';
import { assertDataError, makeTempDir, missingSharedData, sharedData } from './test-support.js';

const FILE = '/data/x.csv';

describe('parseCsv', () => {
  const cases: {
    name: string;
    text: string;
    delimiter?: CsvDelimiter;
    header: string[];
    rows: string[][];
    sniffed?: string;
    rowLines?: number[];
  }[] = [
    {
      name: 'LF',
      text: 'a,b\n1,2\n3,4\n',
      header: ['a', 'b'],
      rows: [
        ['1', '2'],
        ['3', '4'],
      ],
      sniffed: ',',
      rowLines: [2, 3],
    },
    {
      name: 'CRLF',
      text: 'a,b\r\n1,2\r\n3,4\r\n',
      header: ['a', 'b'],
      rows: [
        ['1', '2'],
        ['3', '4'],
      ],
    },
    {
      name: 'lone CR',
      text: 'a,b\r1,2\r3,4',
      header: ['a', 'b'],
      rows: [
        ['1', '2'],
        ['3', '4'],
      ],
      rowLines: [2, 3],
    },
    { name: 'no trailing newline', text: 'a,b\n1,2', header: ['a', 'b'], rows: [['1', '2']] },
    {
      name: 'quoted delimiter and doubled quotes',
      text: 'name,quote\nx,"he said ""hi"", then left"\n',
      header: ['name', 'quote'],
      rows: [['x', 'he said "hi", then left']],
    },
    {
      name: 'line breaks inside quotes shift editor rows',
      text: 'a,b\n"line1\r\nline2\nline3",2\n3,4\n',
      header: ['a', 'b'],
      rows: [
        ['line1\r\nline2\nline3', '2'],
        ['3', '4'],
      ],
      rowLines: [2, 5],
    },
    { name: 'BOM and semicolons', text: '\ufeffa;b\n1,5;2\n', header: ['a', 'b'], rows: [['1,5', '2']], sniffed: ';' },
    { name: 'tabs', text: 'a\tb\tc\n1\t2\t3\n', header: ['a', 'b', 'c'], rows: [['1', '2', '3']], sniffed: '\t' },
    { name: 'pipes', text: 'a|b\n1|2\n', header: ['a', 'b'], rows: [['1', '2']], sniffed: '|' },
    {
      name: 'sniffing ignores quoted commas',
      text: '"a,b";c\n1;2\n',
      header: ['a,b', 'c'],
      rows: [['1', '2']],
      sniffed: ';',
    },
    {
      name: 'single column',
      text: 'text\nhello\nworld\n',
      header: ['text'],
      rows: [['hello'], ['world']],
      sniffed: ',',
    },
    {
      name: 'blank lines are skipped but keep editor rows',
      text: 'a,b\n\n1,2\n  \n\t\n3,4\n\n',
      header: ['a', 'b'],
      rows: [
        ['1', '2'],
        ['3', '4'],
      ],
      rowLines: [3, 6],
    },
    { name: 'empty fields', text: 'a,b,c\n,,\n', header: ['a', 'b', 'c'], rows: [['', '', '']] },
    { name: 'a lone "" is a value, not a blank line', text: 'a\n""\nx\n', header: ['a'], rows: [[''], ['x']] },
    { name: 'header names are trimmed', text: ' a , b \n1, 2\n', header: ['a', 'b'], rows: [['1', ' 2']] },
    {
      name: 'a quote inside an unquoted field is literal',
      text: 'a,b\n5" screen,2\n',
      header: ['a', 'b'],
      rows: [['5" screen', '2']],
    },
    {
      name: 'explicit delimiter wins over sniffing',
      text: 'a;b,c\n1;2,3\n',
      delimiter: ',',
      header: ['a;b', 'c'],
      rows: [['1;2', '3']],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = parseCsv(c.text, c.delimiter === undefined ? { file: FILE } : { file: FILE, delimiter: c.delimiter });
      assert.deepEqual(out.header, c.header);
      assert.deepEqual(out.rows, c.rows);
      if (c.sniffed !== undefined) assert.equal(out.delimiter, c.sniffed);
      if (c.rowLines !== undefined) assert.deepEqual([...out.rowLines], c.rowLines);
    });
  }

  const errors: { name: string; text: string; message: string; row?: number; column?: string }[] = [
    {
      name: 'empty file',
      text: '',
      message: 'x.csv: expected a header line and at least one data row, received an empty file.',
    },
    {
      name: 'blank file',
      text: '\ufeff\n \r\n',
      message: 'x.csv: expected a header line and at least one data row, received an empty file.',
    },
    {
      name: 'header only',
      text: 'a,b\n\n',
      message: 'x.csv, row 1: expected at least one data row after the header, received only the header.',
      row: 1,
    },
    {
      name: 'unterminated quote names the row where it opened',
      text: 'a,b\n1,2\n3,"oops\n4,5\n6,7\n',
      message:
        'x.csv, row 3: expected a closing quote (") for the quoted field that opens on this row, received the end of the file.',
      row: 3,
    },
    {
      name: 'too few fields',
      text: 'a,b,c\n1,2,3\n4,5\n',
      message:
        'x.csv, row 3: expected 3 fields (as in the header), received 2. Check for a missing or extra "," or an unquoted field that contains one.',
      row: 3,
    },
    {
      name: 'too many fields after a multi-line record (editor row, not record number)',
      text: 'a\tb\n"x\ny"\t1\n1\t2\t3\n',
      message:
        'x.csv, row 4: expected 2 fields (as in the header), received 3. Check for a missing or extra tab or an unquoted field that contains one.',
      row: 4,
    },
    {
      name: 'duplicate header name',
      text: 'a,b,a\n1,2,3\n',
      message:
        'x.csv, row 1, column "a": expected unique column names in the header, received "a" twice (columns 1 and 3).',
      row: 1,
      column: 'a',
    },
    {
      name: 'empty header name',
      text: 'a, ,c\n1,2,3\n',
      message:
        'x.csv, row 1: expected a name for every column of the header, received an empty name for column 2 of 3.',
      row: 1,
    },
    {
      name: 'text after a closing quote',
      text: 'a,b\n"x"y,2\n',
      message:
        'x.csv, row 2: expected a delimiter or the end of the line after a closing quote, received "y,2". A quote inside a quoted field must be doubled ("").',
      row: 2,
    },
  ];
  for (const c of errors) {
    it(`refuses: ${c.name}`, () => {
      assertDataError(() => parseCsv(c.text, { file: FILE }), {
        message: c.message,
        file: FILE,
        ...(c.row === undefined ? {} : { row: c.row }),
        ...(c.column === undefined ? {} : { column: c.column }),
      });
    });
  }
});

describe('readCsvFile', () => {
  const { dir, cleanup } = makeTempDir('csv');
  after(cleanup);

  it(
    'reads the Seattle hourly normals',
    { skip: missingSharedData('seattle-weather', 'seattle-weather-hourly-normals.csv') },
    () => {
      const t = readCsvFile(sharedData('seattle-weather', 'seattle-weather-hourly-normals.csv'));
      assert.deepEqual(t.header, ['date', 'pressure', 'temperature', 'wind']);
      assert.equal(t.rows.length, 8759);
      assert.deepEqual(t.rows[0], ['2010-01-01T01:00:00', '1016.6', '4.0', '3.8']);
      assert.deepEqual(t.rows[8758], ['2010-12-31T23:00:00', '1016.7', '4.3', '4.0']);
      assert.equal(t.rowLines[8758], 8760);
      assert.equal(t.encoding, 'utf-8');
    },
  );

  it('decodes a cp1252 file', () => {
    const file = path.join(dir, 'reviews.csv');
    writeFileSync(
      file,
      Buffer.from([...Buffer.from('text;label\r\n'), 0x93, 0x6f, 0x6b, 0x94, 0x3b, 0x31, 0x0d, 0x0a]),
    );
    const t = readCsvFile(file);
    assert.equal(t.encoding, 'windows-1252');
    assert.equal(t.delimiter, ';');
    assert.deepEqual(t.rows, [['“ok”', '1']]);
  });

  it('reads a UTF-16LE file without a byte-order mark (Excel "Unicode Text" saved by other tools)', () => {
    const file = path.join(dir, 'utf16.csv');
    writeFileSync(file, Buffer.from('date,temp\r\n2024-01-01,4.5\r\n2024-01-02,−1\r\n', 'utf16le'));
    const t = readCsvFile(file);
    assert.equal(t.encoding, 'utf-16le');
    assert.deepEqual(t.header, ['date', 'temp']);
    assert.deepEqual(t.rows, [
      ['2024-01-01', '4.5'],
      ['2024-01-02', '−1'],
    ]);
  });

  const notText: { name: string; content: Uint8Array; encoding?: 'utf-8' | 'latin1'; message: string }[] = [
    {
      name: 'a ZIP archive renamed .csv',
      content: Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x21, 0x00]),
      message:
        'data.csv: expected text, received binary data (a NUL byte at offset 5; the file starts 50 4B 03 04 14 00 00 00 …). ' +
        'Choose a CSV or text file.',
    },
    {
      name: 'a UTF-16BE CSV without a byte-order mark',
      content: Uint8Array.from(Buffer.from('a,b\n1,2\n', 'utf16le').swap16()),
      message:
        'data.csv: expected UTF-8, UTF-16LE, Latin-1 or Windows-1252 text, received UTF-16BE text without a byte-order mark ' +
        '(the file starts 00 61 00 2C 00 62 00 0A …). Save the file as UTF-8.',
    },
    {
      name: 'a UTF-16LE CSV read as latin1',
      content: Uint8Array.from(Buffer.from('a,b\n1,2\n', 'utf16le')),
      encoding: 'latin1',
      message:
        'data.csv: expected latin1 text, received bytes that look like UTF-16LE text without a byte-order mark ' +
        '(the file starts 61 00 2C 00 62 00 0A 00 …). Choose encoding "auto" or "utf-16le".',
    },
    {
      name: 'binary data after 64 KiB of text (the start looks fine, the rest is checked before decoding)',
      content: Uint8Array.from([...Buffer.from(`a,b\n${'1,2\n'.repeat(20_000)}`), 0, 1, 2]),
      message:
        'data.csv: expected text, received binary data (a NUL byte at offset 80004; the bytes from there are 00 01 02). ' +
        'Choose a CSV or text file.',
    },
  ];
  for (const c of notText) {
    it(`refuses ${c.name}`, () => {
      const file = path.join(dir, 'data.csv');
      writeFileSync(file, c.content);
      assertDataError(() => readCsvFile(file, c.encoding === undefined ? {} : { encoding: c.encoding }), {
        message: c.message,
        file,
      });
    });
  }

  // The reader checks for NUL chunk by chunk (64 KiB, then 8 MiB at a time), so a large binary file is refused without
  // being read whole; wherever the NUL falls against those chunks, the message is the one decoding the whole file gives.
  it('refuses a NUL past the start with the message of the whole file, wherever the chunks fall', () => {
    const file = path.join(dir, 'chunks.csv');
    const start = 64 * 1024;
    const chunk = 8 * 1024 ** 2;
    const size = start + chunk + 64;
    const text = Buffer.from(`a,b\n${'1,2\n'.repeat(size / 4)}`).subarray(0, size);
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('a,b\n' + '1,2\n'.repeat(size / 8), 'utf16le'),
    ]);
    const at = [start, start + 1, start + chunk - 9, start + chunk - 8, start + chunk - 1, start + chunk, size - 3];
    const cases = [
      ...at.map((offset) => ({ bytes: text, offset, unit: 1 })),
      ...at.map((offset) => ({ bytes: utf16.subarray(0, size), offset: offset & ~1, unit: 2 })),
    ];
    for (const { bytes, offset, unit } of cases) {
      const content = Buffer.from(bytes);
      content.fill(0, offset, offset + unit);
      writeFileSync(file, content);
      let whole: unknown;
      try {
        decodeText(content, 'auto', file);
      } catch (error) {
        whole = error;
      }
      assert.ok(whole instanceof Error, `${offset}`);
      assertDataError(() => readCsvFile(file), { message: whole.message, file });
    }
    // 00 00 across two UTF-16 units ("A" 41 00, then "Ā" 00 01) is text, not a NUL character.
    writeFileSync(file, Buffer.concat([utf16, Buffer.from('A\u0100,1\n'.repeat(4), 'utf16le')]));
    assert.equal(readCsvFile(file).rows.length, size / 8 + 4);
  });

  it('refuses a file above maxBytes, stating size and limit', () => {
    const file = path.join(dir, 'big.csv');
    writeFileSync(file, 'a,b\n' + '1,2\n'.repeat(24));
    assertDataError(() => readCsvFile(file, { maxBytes: 10 }), {
      message:
        'big.csv: expected a file of at most 10 bytes (the limit), received 100 bytes. Split the file or keep only the rows you need.',
      file,
    });
  });

  it('refuses a file above the default 1 GiB limit without reading it', () => {
    // A sparse file: 1 GiB + 1 byte on paper, nothing on disk. Reading it would take seconds and 1 GiB of memory.
    const file = path.join(dir, 'huge.csv');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 1024 ** 3 + 1);
    closeSync(fd);
    const start = performance.now();
    assertDataError(() => readCsvFile(file), {
      message:
        'huge.csv: expected a file of at most 1.0 GiB (the limit), received 1.0 GiB (1073741825 bytes). Split the file or keep only the rows you need.',
    });
    assert.ok(performance.now() - start < 200, 'the size check must come before reading');
  });

  it('refuses a missing path and a folder', () => {
    const missing = path.join(dir, 'nope.csv');
    assertDataError(() => readCsvFile(missing), {
      message: `nope.csv: expected a readable file or folder at ${missing}, received an error: nothing exists at this path.`,
      file: missing,
    });
    const folder = path.join(dir, 'folder.csv');
    mkdirSync(folder);
    assertDataError(() => readCsvFile(folder), {
      message: `folder.csv: expected a file, received a folder (${folder}).`,
    });
  });
});
