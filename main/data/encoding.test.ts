import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkTextStart, decodeText, NotTextError, TEXT_SNIFF_BYTES } from './encoding.js';
import type { TextEncodingName } from './encoding.js';
import { assertDataError, missingSharedData, sharedData } from './test-support.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const utf16le = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'utf16le'));
const utf16be = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'utf16le').swap16());
const concat = (...parts: (Uint8Array | number[])[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('decodeText', () => {
  const cases: { name: string; input: Uint8Array; encoding?: TextEncodingName; text: string; resolved: string }[] = [
    { name: 'ASCII is reported as utf-8', input: bytes(...ascii('abc')), text: 'abc', resolved: 'utf-8' },
    { name: 'UTF-8 é', input: bytes(0x63, 0x61, 0x66, 0xc3, 0xa9), text: 'café', resolved: 'utf-8' },
    { name: 'UTF-8 BOM is stripped', input: bytes(0xef, 0xbb, 0xbf, 0xc3, 0xa9), text: 'é', resolved: 'utf-8' },
    { name: 'UTF-16LE BOM', input: bytes(0xff, 0xfe, 0x68, 0x00, 0xe9, 0x00), text: 'hé', resolved: 'utf-16le' },
    {
      name: 'invalid UTF-8 falls back to cp1252',
      input: bytes(0x63, 0x61, 0x66, 0xe9),
      text: 'café',
      resolved: 'windows-1252',
    },
    {
      name: 'cp1252 curly quotes and ellipsis',
      input: bytes(0x93, 0x68, 0x69, 0x94, 0x85),
      text: '“hi”…',
      resolved: 'windows-1252',
    },
    {
      name: 'cp1252 keeps its five undefined bytes as C1 codes',
      input: bytes(0x81, 0x8a, 0x9d, 0x9f),
      encoding: 'windows-1252',
      text: '\u0081Š\u009dŸ',
      resolved: 'windows-1252',
    },
    {
      name: 'explicit latin1 is ISO-8859-1, not cp1252',
      input: bytes(0x93, 0xe9),
      encoding: 'latin1',
      text: '\u0093é',
      resolved: 'latin1',
    },
    {
      name: 'explicit latin1 strips a UTF-8 BOM',
      input: bytes(0xef, 0xbb, 0xbf, 0x41),
      encoding: 'latin1',
      text: 'A',
      resolved: 'latin1',
    },
    {
      name: 'explicit cp1252 strips a UTF-8 BOM',
      input: bytes(0xef, 0xbb, 0xbf, 0x80),
      encoding: 'windows-1252',
      text: '€',
      resolved: 'windows-1252',
    },
    {
      name: 'explicit utf-8 strips its BOM',
      input: bytes(0xef, 0xbb, 0xbf, 0x41),
      encoding: 'utf-8',
      text: 'A',
      resolved: 'utf-8',
    },
    {
      name: 'explicit utf-16le without BOM',
      input: bytes(0x41, 0x00, 0xac, 0x20),
      encoding: 'utf-16le',
      text: 'A€',
      resolved: 'utf-16le',
    },
    { name: 'empty input', input: bytes(), text: '', resolved: 'utf-8' },
    {
      name: 'UTF-16LE without BOM, found by its NUL pattern',
      input: utf16le('date,temp\n1,2\n'),
      text: 'date,temp\n1,2\n',
      resolved: 'utf-16le',
    },
    {
      name: 'UTF-16LE without BOM, Cyrillic between ASCII commas',
      input: utf16le('Имя,возраст\nАня,7\n'),
      text: 'Имя,возраст\nАня,7\n',
      resolved: 'utf-16le',
    },
    { name: 'UTF-16LE without BOM, one character', input: utf16le('é'), text: 'é', resolved: 'utf-16le' },
    {
      name: 'explicit utf-16le with BOM',
      input: utf16le('\ufeffhé'),
      encoding: 'utf-16le',
      text: 'hé',
      resolved: 'utf-16le',
    },
    {
      name: 'explicit utf-16le on short ASCII (too short to call it UTF-8)',
      input: bytes(...ascii('ab')),
      encoding: 'utf-16le',
      text: '扡',
      resolved: 'utf-16le',
    },
    {
      name: 'text past the sniffed start without NUL',
      input: concat(new Uint8Array(TEXT_SNIFF_BYTES).fill(0x61), Buffer.from('é')),
      text: `${'a'.repeat(TEXT_SNIFF_BYTES)}é`,
      resolved: 'utf-8',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = decodeText(c.input, c.encoding);
      assert.equal(out.text, c.text);
      assert.equal(out.encoding, c.resolved);
    });
  }

  it(
    'detects rt-polarity as windows-1252 and decodes its accents, dashes and ellipses',
    { skip: missingSharedData('rt-polarity') },
    () => {
      const pos = decodeText(readFileSync(sharedData('rt-polarity', 'rt-polarity.pos')));
      assert.equal(pos.encoding, 'windows-1252');
      const lines = pos.text.split('\n');
      assert.match(lines[43] ?? '', /el ladrón de orquídeas es uno de esos filmes/);
      assert.match(lines[57] ?? '', /a slew of songs — a few potential hits/);
      const neg = decodeText(readFileSync(sharedData('rt-polarity', 'rt-polarity.neg')));
      assert.equal(neg.encoding, 'windows-1252');
      assert.match(neg.text.split('\n')[814] ?? '', /bad and absolutely unnecessary \. hmmm…might i suggest/);
    },
  );

  /** `start`: the refusal follows from the first bytes alone, so checkTextStart must give the same message. */
  const errors: { name: string; input: Uint8Array; encoding: TextEncodingName; message: string; start?: boolean }[] = [
    {
      name: 'explicit utf-8 on cp1252 bytes names the first bad byte',
      input: bytes(0x63, 0xe9, 0x20),
      encoding: 'utf-8',
      message:
        'notes.txt: expected valid utf-8 text, received bytes that are not (byte 0xE9 at offset 1); they look like ' +
        'Windows-1252 or Latin-1 text. Choose encoding "auto", "windows-1252" or "latin1".',
    },
    {
      name: 'explicit utf-16le with an odd length',
      input: bytes(0x41, 0x00, 0x42),
      encoding: 'utf-16le',
      message:
        'notes.txt: expected valid utf-16le text, received bytes that are not (odd length 3). ' +
        'Choose encoding "auto" or the encoding the file was saved in.',
    },
    {
      name: 'UTF-16BE is refused rather than decoded as cp1252 garbage',
      input: bytes(0xfe, 0xff, 0x00, 0x41),
      encoding: 'auto',
      message:
        'notes.txt: expected UTF-8, UTF-16LE, Latin-1 or Windows-1252 text, received UTF-16BE (byte-order mark FE FF). ' +
        'Save the file as UTF-8.',
    },
    {
      name: 'UTF-16BE without a BOM is refused naming it',
      input: utf16be('ab'),
      encoding: 'auto',
      start: true,
      message:
        'notes.txt: expected UTF-8, UTF-16LE, Latin-1 or Windows-1252 text, received UTF-16BE text without a byte-order ' +
        'mark (the file starts 00 61 00 62). Save the file as UTF-8.',
    },
    {
      name: 'all NUL bytes are binary data, not text',
      input: new Uint8Array(16),
      encoding: 'auto',
      start: true,
      message:
        'notes.txt: expected text, received binary data (a NUL byte at offset 0; the file starts 00 00 00 00 00 00 00 00 …). ' +
        'Choose a CSV or text file.',
    },
    {
      name: 'a PNG header (NUL at both parities) is binary data',
      input: bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52),
      encoding: 'auto',
      start: true,
      message:
        'notes.txt: expected text, received binary data (a NUL byte at offset 8; the bytes from there are ' +
        '00 00 00 0D 49 48 44 52). Choose a CSV or text file.',
    },
    {
      name: 'NUL at even offsets only, between control characters, is binary data rather than UTF-16BE',
      input: bytes(0x00, 0x01, 0x02, 0x03),
      encoding: 'auto',
      start: true,
      message:
        'notes.txt: expected text, received binary data (a NUL byte at offset 0; the file starts 00 01 02 03). Choose a CSV or text file.',
    },
    {
      name: 'little-endian 16-bit numbers are binary data rather than UTF-16LE',
      input: new Uint8Array(new Uint16Array([3, 7, 1, 300, 2, 5, 4, 9]).buffer),
      encoding: 'auto',
      start: true,
      message:
        'notes.txt: expected text, received binary data (a NUL byte at offset 1; the file starts 03 00 07 00 01 00 2C 01 …). Choose a CSV or text file.',
    },
    {
      name: 'a NUL byte past the sniffed start is still found',
      input: concat(new Uint8Array(70_000).fill(0x61), [0], new Uint8Array(10).fill(0x62)),
      encoding: 'auto',
      message:
        'notes.txt: expected text, received binary data (a NUL byte at offset 70000; the bytes from there are ' +
        '00 62 62 62 62 62 62 62 …). Choose a CSV or text file.',
    },
    {
      name: 'a UTF-8 BOM does not make binary data text',
      input: bytes(0xef, 0xbb, 0xbf, 0x41, 0x00),
      encoding: 'auto',
      start: true,
      message:
        'notes.txt: expected text, received binary data (a NUL byte at offset 4; the file starts EF BB BF 41 00). Choose a CSV or text file.',
    },
    {
      name: 'a NUL character in UTF-16LE text without BOM',
      input: utf16le(`${'hello world, '.repeat(4)}\0x`),
      encoding: 'auto',
      start: true,
      message:
        'notes.txt: expected text, received binary data (a NUL character (00 00) at offset 104; the bytes from there are ' +
        '00 00 78 00). Choose a CSV or text file.',
    },
    {
      name: 'a NUL character in UTF-16LE text past the sniffed start',
      input: utf16le(`\ufeff${'ab'.repeat(20_000)}\0c`),
      encoding: 'auto',
      message:
        'notes.txt: expected text, received binary data (a NUL character (00 00) at offset 80002; the bytes from there are ' +
        '00 00 63 00). Choose a CSV or text file.',
    },
    {
      name: 'UTF-16LE without BOM cut short (odd length)',
      input: bytes(0x41, 0x00, 0x42, 0x00, 0x43),
      encoding: 'auto',
      message:
        'notes.txt: expected valid utf-16le text (no byte-order mark, but NUL bytes at odd offsets), received bytes that ' +
        'are not (odd length 5). Check that the file was saved completely, or choose the encoding it was saved in.',
    },
    {
      name: 'explicit utf-8 on UTF-16LE without BOM names UTF-16LE',
      input: utf16le('a,b\n1,2\n'),
      encoding: 'utf-8',
      start: true,
      message:
        'notes.txt: expected utf-8 text, received bytes that look like UTF-16LE text without a byte-order mark ' +
        '(the file starts 61 00 2C 00 62 00 0A 00 …). Choose encoding "auto" or "utf-16le".',
    },
    {
      name: 'explicit windows-1252 on UTF-16BE without BOM names UTF-16BE',
      input: utf16be('a,b\n'),
      encoding: 'windows-1252',
      start: true,
      message:
        'notes.txt: expected windows-1252 text, received UTF-16BE text without a byte-order mark ' +
        '(the file starts 00 61 00 2C 00 62 00 0A). Save the file as UTF-8.',
    },
    {
      name: 'explicit latin1 on a UTF-16LE BOM names UTF-16LE',
      input: utf16le('\ufeffa,b\n'),
      encoding: 'latin1',
      start: true,
      message:
        'notes.txt: expected latin1 text, received UTF-16LE text (byte-order mark FF FE). Choose encoding "auto" or "utf-16le".',
    },
    {
      name: 'explicit utf-8 on binary data',
      input: new Uint8Array(4),
      encoding: 'utf-8',
      start: true,
      message:
        'notes.txt: expected text, received binary data (a NUL byte at offset 0; the file starts 00 00 00 00). Choose a CSV or text file.',
    },
    {
      name: 'explicit utf-16le on a UTF-8 BOM names UTF-8',
      input: bytes(0xef, 0xbb, 0xbf, 0x41),
      encoding: 'utf-16le',
      start: true,
      message:
        'notes.txt: expected utf-16le text, received UTF-8 text (byte-order mark EF BB BF). Choose encoding "auto" or "utf-8".',
    },
    {
      name: 'explicit utf-16le on a UTF-16BE BOM names UTF-16BE',
      input: bytes(0xfe, 0xff, 0x00, 0x41),
      encoding: 'utf-16le',
      start: true,
      message:
        'notes.txt: expected utf-16le text, received UTF-16BE text (byte-order mark FE FF). Save the file as UTF-8.',
    },
    {
      name: 'explicit utf-16le on UTF-8 text, which would decode as CJK characters',
      input: Uint8Array.from(Buffer.from('date,temperature,pressure,wind\n1,2,3,4\n')),
      encoding: 'utf-16le',
      start: true,
      message:
        'notes.txt: expected utf-16le text, received bytes that look like UTF-8 text (no NUL bytes; the file starts ' +
        '64 61 74 65 2C 74 65 6D …). Choose encoding "auto" or "utf-8".',
    },
    {
      name: 'explicit utf-16le on NUL characters',
      input: new Uint8Array(6),
      encoding: 'utf-16le',
      start: true,
      message:
        'notes.txt: expected text, received binary data (a NUL character (00 00) at offset 0; the file starts 00 00 00 00 00 00). ' +
        'Choose a CSV or text file.',
    },
    {
      name: 'unknown encoding name',
      input: bytes(0x41),
      encoding: 'ebcdic' as TextEncodingName,
      message:
        'notes.txt: `encoding` must be one of auto, utf-8, latin1, windows-1252, utf-16le. Received: encoding="ebcdic".',
    },
  ];
  for (const c of errors) {
    it(`refuses: ${c.name}`, () => {
      assertDataError(() => decodeText(c.input, c.encoding, '/some/where/notes.txt'), {
        message: c.message,
        file: '/some/where/notes.txt',
      });
      if (c.start) {
        assertDataError(
          () => checkTextStart(c.input.subarray(0, TEXT_SNIFF_BYTES), c.encoding, '/some/where/notes.txt'),
          {
            message: c.message,
          },
        );
      }
    });
  }

  it('binary data is a NotTextError carrying the offset of the NUL', () => {
    const error = assertDataError(() => decodeText(bytes(0x41, 0x42, 0x00), 'auto', 'x.bin'), {});
    assert.ok(error instanceof NotTextError);
    assert.equal(error.nulOffset, 2);
  });

  it('checkTextStart accepts the start of every file decodeText accepts, and refuses as decodeText does', () => {
    // Readers refuse a file on its start before reading the rest; a start refused that decodeText would accept is a bug.
    const encodings: TextEncodingName[] = ['auto', 'utf-8', 'latin1', 'windows-1252', 'utf-16le'];
    const chunk = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.string({ maxLength: 40 }).map((s) => Uint8Array.from(Buffer.from(s))),
      fc.string({ maxLength: 40 }).map(utf16le),
      fc.string({ maxLength: 40 }).map(utf16be),
      fc.constantFrom(bytes(0xff, 0xfe), bytes(0xfe, 0xff), bytes(0xef, 0xbb, 0xbf), bytes(0)),
    );
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 4 }), fc.constantFrom(...encodings), (parts, encoding) => {
        const input = concat(...parts);
        let decoded: unknown = null;
        try {
          decodeText(input, encoding);
        } catch (error) {
          decoded = error;
        }
        let started: unknown = null;
        try {
          checkTextStart(input, encoding);
        } catch (error) {
          started = error;
        }
        if (started !== null) {
          assert.ok(decoded instanceof Error && started instanceof Error);
          assert.equal(started.message, decoded.message);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
