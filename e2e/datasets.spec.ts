// The book's data sets from the studio: a click downloads one (here from a local server standing in for the public
// URL, since nothing outside can be reached), shows its progress, and makes it the project's data.
import { test, expect } from './fixtures';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { writeZip } from '../main/interop/zip';

let server: Server;
const requests: string[] = [];

test.beforeAll(async () => {
  // A Jena-format CSV (the real header, 2,000 ten-minute rows) in a zip of the real file's name.
  const header = '"Date Time","p (mbar)","T (degC)","Tpot (K)","Tdew (degC)","rh (%)"';
  const rows = Array.from({ length: 2000 }, (_, i) => {
    const d = new Date(Date.UTC(2009, 0, 1) + i * 600_000);
    const stamp = `${String(d.getUTCDate()).padStart(2, '0')}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${d.getUTCFullYear()} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:00`;
    const t = 5 + 8 * Math.sin((i / 144) * 2 * Math.PI);
    return `${stamp},${(990 + Math.sin(i / 50)).toFixed(2)},${t.toFixed(2)},${(t + 273.15).toFixed(2)},${(t - 4).toFixed(2)},${(80 + 10 * Math.cos(i / 30)).toFixed(1)}`;
  });
  const zip = writeZip([{ name: 'jena_climate_2009_2016.csv', data: Buffer.from(`${header}\n${rows.join('\n')}\n`) }]);
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url !== '/jena_climate_2009_2016.csv.zip') return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Length': zip.length, 'Content-Type': 'application/zip' }).end(zip);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  process.env.RNN_STUDIO_DATASETS_MIRROR = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

test.afterAll(async () => {
  delete process.env.RNN_STUDIO_DATASETS_MIRROR;
  await new Promise<void>((r) => server.close(() => r()));
});

test('Jena climate: downloaded on first use, then the project forecasts T (degC) from it; a second use needs no download', async ({
  studioApp,
}, testInfo) => {
  test.skip(testInfo.project.name !== 'web', 'the mirror is set on the browser host');
  const { studio, page } = studioApp;
  await page.setViewportSize({ width: 1024, height: 700 });
  await studio.openTab('data');
  await expect(studio.byTestId('dataset-jena')).toBeVisible();
  await studio.byTestId('dataset-jena').click();
  await expect(studio.byTestId('data-kind')).toHaveValue('timeseries', { timeout: 60_000 });
  await expect(studio.byTestId('data-path')).toHaveText(/datasets\/jena\/.*jena_climate_2009_2016\.csv$/);
  await expect(studio.byTestId('data-target')).toHaveValue('T (degC)');
  await expect(studio.byTestId('preview-rows')).toHaveText('2,000');
  // Chollet's windows for 10-minute rows, said in time: 5 days back, hourly, 24 hours ahead.
  await expect(studio.byTestId('preview-sampling')).toHaveText('10 min');
  await expect(studio.byTestId('data-lookback')).toHaveValue('720');
  await expect(studio.byTestId('data-lookback-time')).toHaveText('= 5 days');
  await expect(studio.byTestId('data-step-time')).toHaveText('= 1 h');
  await expect(studio.byTestId('data-delay-time')).toHaveText('= 1 day');
  await expect(studio.byTestId('dataset-jena')).toContainText('(downloaded)');
  await page.screenshot({ path: testInfo.outputPath('jena-1024x700.png') });
  expect(requests.filter((r) => r.endsWith('.zip'))).toHaveLength(1);
  await studio.byTestId('dataset-jena').click();
  await expect(studio.byTestId('dataset-progress')).toHaveCount(0);
  expect(requests.filter((r) => r.endsWith('.zip'))).toHaveLength(1);
});
