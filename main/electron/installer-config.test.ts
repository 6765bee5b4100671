// electron-builder.yml against issue #6's requirements, offline (no Electron or electron-builder download): the
// targets and architectures, the native tfjs-node binding and the wasm files unpacked from the asar, the icons
// present and well-formed, the resources main.ts reads when packaged, `npm run dist`, and the Electron fuses (issue #13).
// Schema validation against electron-builder's own scheme.json, and that electron-builder flips each fuse set here:
// `node scripts/check-installer-config.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const yml = readFileSync(join(root, 'electron-builder.yml'), 'utf8');
/** The YAML block under a top-level key (up to the next top-level key), comments dropped. */
function block(key: string): string {
  const m = new RegExp(`^${key}:[^\\n]*\\n((?:[ \\t#-][^\\n]*\\n|\\n)*)`, 'm').exec(yml);
  assert.ok(m, `electron-builder.yml has a top-level "${key}"`);
  return m[0]
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').replace(/^\s*#.*$/, ''))
    .join('\n');
}

test('targets: Windows nsis, macOS dmg for x64 and arm64, Linux AppImage and deb', () => {
  assert.match(block('win'), /- target: nsis\s+arch: \[x64\]/);
  assert.match(block('mac'), /- target: dmg\s+arch: \[x64, arm64\]/);
  const linux = block('linux');
  assert.match(linux, /- target: AppImage/);
  assert.match(linux, /- target: deb/);
  assert.match(linux, /maintainer: .+<.+@.+>/, 'deb packages need a maintainer with an e-mail address');
  assert.match(yml, /^appId: dev\.rnnstudio\.app$/m);
  assert.match(yml, /^productName: RNN Studio$/m);
});

test('the native binding and the wasm binaries are unpacked from the asar', () => {
  const unpack = block('asarUnpack');
  assert.match(unpack, /- node_modules\/@tensorflow\/tfjs-node\/\*\*/);
  assert.match(unpack, /- "\*\*\/\*\.node"/);
  assert.match(unpack, /- node_modules\/@tensorflow\/tfjs-backend-wasm\/dist\/\*\.wasm/);
  assert.match(unpack, /- dist\/electron\/build\/\*\.wasm/);
  assert.match(yml, /^asar: true$/m);
});

test('the app files and the resources main.ts reads when packaged are in the package', () => {
  const files = block('files');
  for (const f of ['dist/electron/**', 'dist/renderer/**', 'package.json']) assert.ok(files.includes(`- ${f}`), f);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    main: string;
    scripts: Record<string, string>;
  };
  assert.match(pkg.main, /^dist\/electron\//, 'package.json main is inside the packaged files');
  const main = readFileSync(join(root, 'main/electron/main.ts'), 'utf8');
  assert.match(main, /join\(app\.isPackaged \? process\.resourcesPath : appRoot, 'assets'\)/);
  assert.match(main, /join\(app\.isPackaged \? process\.resourcesPath : appRoot, 'examples'\)/);
  const extra = block('extraResources');
  assert.match(extra, /- from: assets\/samples\s+to: assets\/samples/);
  assert.match(extra, /- from: examples\s+to: examples/);
  assert.match(
    pkg.scripts.dist ?? '',
    /build-renderer\.mjs --minify && node scripts\/build-electron\.mjs && .*electron-builder/,
  );
});

test('icons exist and are well-formed: PNG 1024 px, ICO with a 256 px entry, ICNS with a 1024 px entry', () => {
  const read = (p: string) => readFileSync(join(root, p));
  const png = read('assets/icon.png');
  assert.equal(png.subarray(1, 4).toString('ascii'), 'PNG');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1024, 1024]);
  for (const size of [16, 32, 48, 64, 128, 256, 512]) {
    const p = read(`assets/icons/${size}x${size}.png`);
    assert.deepEqual([p.readUInt32BE(16), p.readUInt32BE(20)], [size, size], `icons/${size}x${size}.png`);
  }
  const ico = read('assets/icon.ico');
  assert.deepEqual([ico.readUInt16LE(0), ico.readUInt16LE(2)], [0, 1], 'ICO header');
  const count = ico.readUInt16LE(4);
  const sizes = Array.from({ length: count }, (_, i) => ico.readUInt8(6 + 16 * i) || 256);
  assert.ok(sizes.includes(256) && sizes.includes(16), `ICO sizes ${sizes.join(',')}`);
  for (let i = 0; i < count; i++) {
    const len = ico.readUInt32LE(6 + 16 * i + 8);
    const off = ico.readUInt32LE(6 + 16 * i + 12);
    assert.ok(off + len <= ico.length);
    assert.equal(ico.subarray(off + 1, off + 4).toString('ascii'), 'PNG');
  }
  const icns = read('assets/icon.icns');
  assert.equal(icns.subarray(0, 4).toString('ascii'), 'icns');
  assert.equal(icns.readUInt32BE(4), icns.length);
  const types: string[] = [];
  for (let off = 8; off < icns.length; off += icns.readUInt32BE(off + 4))
    types.push(icns.subarray(off, off + 4).toString('ascii'));
  assert.deepEqual(types, ['icp4', 'icp5', 'icp6', 'ic07', 'ic08', 'ic09', 'ic10']);
  assert.match(block('win'), /icon: assets\/icon\.ico/);
  assert.match(block('mac'), /icon: assets\/icon\.icns/);
  assert.match(block('linux'), /icon: assets\/icons/);
  assert.ok(existsSync(join(root, 'assets/icon.svg')), 'the source the icons are rendered from');
});

test('fuses: no run-as-node, NODE_OPTIONS or --inspect; cookies encrypted; app code only from an integrity-checked asar', () => {
  const fuses = Object.fromEntries(
    block('electronFuses')
      .split('\n')
      .slice(1)
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const m = /^ {2}(\w+): (true|false)$/.exec(l);
        assert.ok(m, `expected "  name: true|false" under electronFuses, received ${JSON.stringify(l)}`);
        return [m[1]!, m[2] === 'true'];
      }),
  );
  assert.deepEqual(fuses, {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    grantFileProtocolExtraPrivileges: false,
    resetAdHocDarwinSignature: true,
  });
  // The integrity fuse needs the hash electron-builder writes at packaging, and Windows support needs Electron >= 30.
  assert.doesNotMatch(yml, /^\s*disableAsarIntegrity:\s*true/m, 'electron-builder must write the asar header hash');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const major = Number(/^\D*(\d+)/.exec(pkg.devDependencies.electron ?? '')?.[1]);
  assert.ok(
    major >= 30,
    `expected Electron >= 30 (ASAR integrity on Windows, the file-protocol fuse), received ${pkg.devDependencies.electron}`,
  );
});
