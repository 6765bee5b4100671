import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeText } from './encoding.js';
import type { TextEncodingName } from './encoding.js';
import { assertDataError, sharedData } from './test-support.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

describe('decodeText', () => {
  const cases: { name: string; input: Uint8Array; encoding?: TextEncodingName; text: string; resolved: string }[] = [
    { name: 'ASCII is reported as utf-8', input: bytes(...ascii('abc')), text: 'abc', resolved: 'utf-8' },
    { name: 'UTF-8 é', input: bytes(0x63, 0x61, 0x66, 0xc3, 0xa9), text: 'café', resolved: 'utf-8' },
    { name: 'UTF-8 BOM is stripped', input: bytes(0xef, 0xbb, 0xbf, 0xc3, 0xa9), text: 'é', resolved: 'utf-8' },
    { name: 'UTF-16LE BOM', input: bytes(0xff, 0xfe, 0x68, 0x00, 0xe9, 0x00), text: 'hé', resolved: 'utf-16le' },
    { name: 'invalid UTF-8 falls back to cp1252', input: bytes(0x63, 0x61, 0x66, 0xe9), text: 'café', resolved: 'windows-1252' },
    { name: 'cp1252 curly quotes and ellipsis', input: bytes(0x93, 0x68, 0x69, 0x94, 0x85), text: '“hi”…', resolved: 'windows-1252' },
    { name: 'cp1252 keeps its five undefined bytes as C1 codes', input: bytes(0x81, 0x8a, 0x9d, 0x9f), encoding: 'windows-1252', text: '\u0081Š\u009dŸ', resolved: 'windows-1252' },
    { name: 'explicit latin1 is ISO-8859-1, not cp1252', input: bytes(0x93, 0xe9), encoding: 'latin1', text: '\u0093é', resolved: 'latin1' },
    { name: 'explicit latin1 strips a UTF-8 BOM', input: bytes(0xef, 0xbb, 0xbf, 0x41), encoding: 'latin1', text: 'A', resolved: 'latin1' },
    { name: 'explicit cp1252 strips a UTF-8 BOM', input: bytes(0xef, 0xbb, 0xbf, 0x80), encoding: 'windows-1252', text: '€', resolved: 'windows-1252' },
    { name: 'explicit utf-8 strips its BOM', input: bytes(0xef, 0xbb, 0xbf, 0x41), encoding: 'utf-8', text: 'A', resolved: 'utf-8' },
    { name: 'explicit utf-16le without BOM', input: bytes(0x41, 0x00, 0xac, 0x20), encoding: 'utf-16le', text: 'A€', resolved: 'utf-16le' },
    { name: 'empty input', input: bytes(), text: '', resolved: 'utf-8' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = decodeText(c.input, c.encoding);
      assert.equal(out.text, c.text);
      assert.equal(out.encoding, c.resolved);
    });
  }

  it('detects rt-polarity as windows-1252 and decodes its accents, dashes and ellipses', () => {
    const pos = decodeText(readFileSync(sharedData('rt-polarity', 'rt-polarity.pos')));
    assert.equal(pos.encoding, 'windows-1252');
    const lines = pos.text.split('\n');
    assert.match(lines[43] ?? '', /el ladrón de orquídeas es uno de esos filmes/);
    assert.match(lines[57] ?? '', /a slew of songs — a few potential hits/);
    const neg = decodeText(readFileSync(sharedData('rt-polarity', 'rt-polarity.neg')));
    assert.equal(neg.encoding, 'windows-1252');
    assert.match(neg.text.split('\n')[814] ?? '', /bad and absolutely unnecessary \. hmmm…might i suggest/);
  });

  const errors: { name: string; input: Uint8Array; encoding: TextEncodingName; message: string }[] = [
    {
      name: 'explicit utf-8 on cp1252 bytes names the first bad byte',
      input: bytes(0x63, 0xe9, 0x20),
      encoding: 'utf-8',
      message:
        'notes.txt: expected valid utf-8 text, received bytes that are not (byte 0xE9 at offset 1). ' +
        'Choose encoding "auto" or the encoding the file was saved in.',
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
      name: 'unknown encoding name',
      input: bytes(0x41),
      encoding: 'ebcdic' as TextEncodingName,
      message: 'notes.txt: `encoding` must be one of auto, utf-8, latin1, windows-1252, utf-16le. Received: encoding="ebcdic".',
    },
  ];
  for (const c of errors) {
    it(`refuses: ${c.name}`, () => {
      assertDataError(() => decodeText(c.input, c.encoding, '/some/where/notes.txt'), {
        message: c.message,
        file: '/some/where/notes.txt',
      });
    });
  }
});
