import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyColumns, parseCsvHead, sniffCsv } from './csv-sniff.js';
import { parseCsv } from '../../shared/csv.js';

test('the sniffer is the server parser: same rows for the same text', () => {
  const text = 'a;"b;c";d\r\n1;"x ""y""\nz";3\r\n\r\n4;5;6\n';
  const t = parseCsv(text, { file: 'x.csv' });
  assert.deepEqual(parseCsvHead(text), [t.header, ...t.rows]);
});

test('the sniffer drops a cut-off last line and stops before the first malformed row', () => {
  assert.deepEqual(parseCsvHead('a,b\n1,2\n3,4\n5,'), [
    ['a', 'b'],
    ['1', '2'],
    ['3', '4'],
  ]);
  assert.deepEqual(parseCsvHead('a,b\n1,2\n3,4,5\n6,7\n'), [
    ['a', 'b'],
    ['1', '2'],
  ]);
  assert.deepEqual(parseCsvHead('a,b\n1,2\n"3,4\n5,6\n'), [
    ['a', 'b'],
    ['1', '2'],
  ]);
  assert.deepEqual(parseCsvHead('a,a\n1,2\n'), [], 'a bad header leaves nothing to show');
  assert.deepEqual(parseCsvHead(''), []);
  assert.equal(parseCsvHead(Array.from({ length: 100 }, (_, i) => `${i}`).join('\n')).length, 50);
});

test('numbers are what the server accepts (no hex, no Infinity, no decimal comma)', () => {
  const rows = [['0x1A', 'Infinity', '1,5', '1e3', ' 2.5 ']];
  assert.deepEqual(classifyColumns(['hex', 'inf', 'comma', 'exp', 'blank'], rows).numeric, ['exp', 'blank']);
  assert.deepEqual(sniffCsv('date,v\n2020-01-01,.5\n').kinds, { numeric: ['v'], dateColumn: 'date' });
});
