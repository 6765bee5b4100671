import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTrustedSender } from './sender-check.js';

const page = 'file:///opt/RNN%20Studio/resources/app.asar/dist/renderer/index.html';

test('only the studio window showing the studio page may call the API', () => {
  const cases: [boolean, string | undefined, boolean][] = [
    [true, page, true],
    [true, `${page}#runs`, true],
    [true, `${page}?project=1`, true],
    [false, page, false],
    [true, undefined, false],
    [true, 'https://evil.example/', false],
    [true, 'file:///tmp/index.html', false],
    [true, `${page}.evil.html`, false],
    [true, 'file:///opt/RNN%20Studio/resources/app.asar/dist/renderer/other.html', false],
  ];
  for (const [fromWindow, url, expected] of cases) assert.equal(isTrustedSender(fromWindow, url, page), expected, `${fromWindow} ${url}`);
});
