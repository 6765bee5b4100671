import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTrustedSender } from './sender-check.js';

const page = 'app://studio/index.html';
// Where the page was loaded from before app://: a file:// page shares its origin with every file on the disk.
const filePage = 'file:///opt/RNN%20Studio/resources/app.asar/dist/renderer/index.html';

test('only the studio window showing the studio page on app://studio may call the API', () => {
  const cases: [boolean, string | undefined, boolean][] = [
    [true, page, true],
    [true, `${page}#runs`, true],
    [true, `${page}?project=1`, true],
    [false, page, false],
    [true, undefined, false],
    [true, '', false],
    [true, 'https://evil.example/', false],
    [true, `${page}.evil.html`, false],
    [true, 'app://studio/other.html', false],
    [true, 'app://studio/', false],
    [true, 'app://studio.evil/index.html', false],
    [true, 'app://evil/index.html', false],
    [true, 'app://studio:8080/index.html', false],
    [true, 'http://studio/index.html', false],
    [true, filePage, false],
    [true, 'file:///tmp/index.html', false],
    [true, 'file:///opt/RNN%20Studio/resources/app.asar/dist/renderer/other.html', false],
  ];
  for (const [fromWindow, url, expected] of cases)
    assert.equal(isTrustedSender(fromWindow, url), expected, `${fromWindow} ${url}`);
});
