#!/usr/bin/env node
// @ts-check
// Renders assets/icon.svg into the app icons electron-builder uses, with the Chromium Playwright already drives
// (/usr/bin/chromium) and no other tool: assets/icon.png (1024 px, Linux and the source of truth for sizes),
// assets/icons/<n>x<n>.png (Linux hicolor sizes), assets/icon.ico (Windows: PNG-compressed entries 16–256 px)
// and assets/icon.icns (macOS: PNG entries 16–1024 px). Rerun after editing the SVG: `node scripts/make-icons.mjs`.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const assets = join(root, 'assets');
const svg = readFileSync(join(assets, 'icon.svg'), 'utf8');
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const browser = await chromium.launch({ executablePath });
const page = await browser.newPage();
/** @type {Map<number, Buffer>} */
const rendered = new Map();
/** @param {number} size */
const png = (size) => {
  const b = rendered.get(size);
  if (!b) throw new Error(`no ${size} px rendering`);
  return b;
};
for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(
    `<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg style="display:block;width:${size}px;height:${size}px" `)}</body></html>`,
  );
  rendered.set(size, await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } }));
}
await browser.close();

writeFileSync(join(assets, 'icon.png'), png(1024));
mkdirSync(join(assets, 'icons'), { recursive: true });
for (const size of [16, 32, 48, 64, 128, 256, 512])
  writeFileSync(join(assets, 'icons', `${size}x${size}.png`), png(size));

// ICO: ICONDIR, one ICONDIRENTRY per image (width/height 0 means 256), then the PNG data (Windows Vista and later).
const icoSizes = [16, 24, 32, 48, 64, 128, 256];
const header = Buffer.alloc(6 + 16 * icoSizes.length);
header.writeUInt16LE(0, 0);
header.writeUInt16LE(1, 2);
header.writeUInt16LE(icoSizes.length, 4);
let offset = header.length;
icoSizes.forEach((size, i) => {
  const e = 6 + 16 * i;
  header.writeUInt8(size >= 256 ? 0 : size, e);
  header.writeUInt8(size >= 256 ? 0 : size, e + 1);
  header.writeUInt16LE(1, e + 4); // colour planes
  header.writeUInt16LE(32, e + 6); // bits per pixel
  header.writeUInt32LE(png(size).length, e + 8);
  header.writeUInt32LE(offset, e + 12);
  offset += png(size).length;
});
writeFileSync(join(assets, 'icon.ico'), Buffer.concat([header, ...icoSizes.map((s) => png(s))]));

// ICNS: "icns" + total length, then typed PNG entries (icp4 16, icp5 32, icp6 64, ic07 128, ic08 256, ic09 512, ic10 1024).
/** @type {[string, number][]} */
const icnsTypes = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
];
const entries = icnsTypes.map(([type, size]) => {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'ascii');
  head.writeUInt32BE(8 + png(size).length, 4);
  return Buffer.concat([head, png(size)]);
});
const icnsHead = Buffer.alloc(8);
icnsHead.write('icns', 0, 'ascii');
icnsHead.writeUInt32BE(8 + entries.reduce((n, e) => n + e.length, 0), 4);
writeFileSync(join(assets, 'icon.icns'), Buffer.concat([icnsHead, ...entries]));
console.log('wrote assets/icon.png, assets/icons/*.png, assets/icon.ico, assets/icon.icns');
