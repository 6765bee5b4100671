import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeDuration, parseTimestamp, samplingInterval, windowDefaults } from './timestamps.js';

test('timestamps as data sets write them', () => {
  const cases: [string, string | null][] = [
    ['2009-01-01 00:10:00', '2009-01-01T00:10:00.000Z'],
    ['2010-01-01T01:00:00', '2010-01-01T01:00:00.000Z'],
    ['2012-01-01', '2012-01-01T00:00:00.000Z'],
    ['01.01.2009 00:10:00', '2009-01-01T00:10:00.000Z'],
    ['31.12.2016 23:50', '2016-12-31T23:50:00.000Z'],
    ['2009/01/02 03:04', '2009-01-02T03:04:00.000Z'],
    ['1230768600', '2009-01-01T00:10:00.000Z'],
    ['01/02/2009', null],
    ['yesterday', null],
    ['2009-13-01', null],
  ];
  for (const [text, iso] of cases) {
    const t = parseTimestamp(text);
    assert.equal(t === null ? null : new Date(t).toISOString(), iso, text);
  }
});

test('the sampling interval is the median step, so gaps do not move it', () => {
  const jena = Array.from({ length: 50 }, (_, i) => {
    const d = new Date(Date.UTC(2009, 0, 1) + i * 600_000);
    return `${String(d.getUTCDate()).padStart(2, '0')}.01.2009 ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:00`;
  });
  assert.equal(samplingInterval(jena), 600);
  const withGap = ['2020-01-01 00:00', '2020-01-01 01:00', '2020-01-01 02:00', '2020-01-03 00:00', '2020-01-03 01:00'];
  assert.equal(samplingInterval(withGap), 3600);
  assert.equal(samplingInterval(['x', 'y']), null);
});

test("windows in time: Chollet's 5 days / hourly / 24 h ahead, in rows of the file", () => {
  assert.deepEqual(windowDefaults(600), { lookback: 720, step: 6, delay: 144 });
  assert.deepEqual(windowDefaults(3600), { lookback: 120, step: 1, delay: 24 });
  assert.deepEqual(windowDefaults(86_400), { lookback: 30, step: 1, delay: 1 });
  assert.equal(describeDuration(600), '10 min');
  assert.equal(describeDuration(5 * 86_400), '5 days');
  assert.equal(describeDuration(3600), '1 h');
  assert.equal(describeDuration(5400), '1.5 h');
});
