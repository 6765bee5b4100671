#!/usr/bin/env node
// Packages the native kernel provider (issue #16) the way esbuild and swc ship their binaries: one npm package per
// platform, `@rnn-studio/kernels-<platform>-<arch>`, that an app lists as an optional dependency and npm installs only
// where its `os` / `cpu` (/ `libc`) fields match; kernels-native.ts loads it before the development build. See
// docs/engine.md, "Native kernel provider", Packaging.
//
//   node scripts/package-native.mjs            → native/npm/linux-x64/ and native/npm/rnn-studio-kernels-linux-x64-<version>.tgz
//   node scripts/package-native.mjs --no-pack  → the folder only
//
// Steps: link the addon into the package folder with an $ORIGIN rpath (scripts/build-native.mjs --out --origin-rpath,
// same objects as native/build/), copy every library it needs that is not part of the base system beside it (ldd
// says which), check with ldd that each now resolves from the folder, add the licence texts of everything shipped,
// package.json and README.md, then `npm pack`.
//
// Why ship oneDNN as a shared library beside the addon instead of linking it statically: no static libdnnl is at hand
// — Debian ships only libdnnl.so.2 (libdnnl-dev has no .a), and the PyPI wheels onednn / onednn-devel (3.13) and
// onednn-cpu-gomp / onednn-devel-cpu-gomp (3.2) carry only libdnnl.so.3 and headers; a static oneDNN would mean
// building oneDNN from source (CMake -DONEDNN_LIBRARY_TYPE=STATIC), which a CI runner can do and this machine cannot
// (no internet for its sources). Debian's libdnnl.so.2 needs libOpenCL.so.1 (its GPU runtime) and libgomp.so.1, which
// a user's machine need not have, so they are shipped too; glibc, libstdc++ and libgcc_s are not (BASE_SYSTEM).
//
// Linux only so far, like build-native.mjs: macOS (otool -L, @loader_path) and Windows (DLLs beside the .node) are
// written down in docs/engine.md and .github/workflows/native-prebuilds.yml, not scripted. Unlike build-native.mjs this
// script fails (exit 1) when the addon cannot be built: asking for a package and getting none is an error.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = `${process.platform}-${process.arch}`;
const name = `@rnn-studio/kernels-${target}`;
const pkgDir = join(root, 'native/npm', target);
const addon = join(pkgDir, 'rnn_native.node');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const fail = (why) => {
  console.error(`package-native: ${why}`);
  process.exit(1);
};

if (process.platform !== 'linux')
  fail(`only Linux packages are scripted so far (this is ${process.platform}); see docs/engine.md`);

/**
 * Libraries every glibc Linux the app supports has, by soname: glibc's own, the dynamic loader, and GCC's C++ runtime
 * (Node itself links libstdc++ and libgcc_s, so wherever Node runs they are loaded already). Everything else the addon
 * needs goes into the package.
 */
const BASE_SYSTEM = [
  /^linux-vdso\.so/,
  /^ld-linux[-.\w]*\.so/,
  /^lib(c|m|dl|rt|pthread|util|resolv)\.so\.\d+$/,
  /^libstdc\+\+\.so\.6$/,
  /^libgcc_s\.so\.1$/,
];
const isBase = (soname) => BASE_SYSTEM.some((re) => re.test(soname));

/** SPDX identifiers of the libraries this script knows, by soname prefix (for package.json's `license`). */
const SPDX = [
  [/^libdnnl\.so/, 'Apache-2.0'],
  [/^libgomp\.so/, 'GPL-3.0-or-later WITH GCC-exception-3.1'],
  [/^libOpenCL\.so/, 'BSD-2-Clause'],
];

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', ...opts });

/** `ldd FILE` as [{ soname, path }] (path null for "not found"). */
function ldd(file) {
  return run('ldd', [file])
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const found = /^(\S+) => (\S+) \(0x[0-9a-f]+\)$/.exec(line);
      if (found) return { soname: found[1], path: found[2] };
      if (/^(\S+) => not found$/.test(line)) return { soname: line.split(' ')[0], path: null };
      // linux-vdso.so.1 (0x…) and /lib64/ld-linux-x86-64.so.2 (0x…): no "=>".
      return { soname: basename(line.split(' ')[0]), path: line.split(' ')[0] };
    });
}

/** The newest GLIBC_ / GLIBCXX_ / CXXABI_ versions FILE asks for (readelf's version needs): the oldest system it runs on. */
function versionFloor(files) {
  const newest = {};
  for (const f of files) {
    for (const [, lib, v] of run('readelf', ['--version-info', '--wide', f]).matchAll(
      /Name: (GLIBC|GLIBCXX|CXXABI)_([\d.]+)/g,
    )) {
      const cmp = (a, b) => {
        const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
        for (let i = 0; i < Math.max(x.length, y.length); i++)
          if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
        return 0;
      };
      if (!newest[lib] || cmp(v, newest[lib]) > 0) newest[lib] = v;
    }
  }
  return newest;
}

/**
 * The licence texts of a library file: Debian's copyright file of the package that owns it, plus the common licences
 * that file refers to; else LICENSE* / THIRD-PARTY-PROGRAMS* in <prefix>/share/doc/*‍/ of an install prefix (oneDNN's
 * release archives and PyPI wheels) or beside the library. Returns [{ from, as }].
 */
function licenceFiles(libPath, soname) {
  const candidates = [libPath, realpathSync(libPath)];
  for (const p of candidates) {
    let owner;
    try {
      owner = run('dpkg', ['-S', p], { stdio: ['ignore', 'pipe', 'ignore'] })
        .split('\n')[0]
        .split(':')[0];
    } catch {
      continue;
    }
    const copyright = `/usr/share/doc/${owner}/copyright`;
    if (!existsSync(copyright)) continue;
    const texts = [{ from: copyright, as: `${owner}.copyright` }];
    const common = new Set(
      [...readFileSync(copyright, 'utf8').matchAll(/\/usr\/share\/common-licenses\/([\w.+-]+)/g)].map((m) =>
        m[1].replace(/\.+$/, ''),
      ),
    );
    for (const l of common) {
      const f = `/usr/share/common-licenses/${l}`;
      if (existsSync(f)) texts.push({ from: realpathSync(f), as: `common-licenses/${l}` });
    }
    return texts;
  }
  const dirs = [dirname(realpathSync(libPath)), join(dirname(realpathSync(libPath)), '..')];
  const docRoot = join(dirname(realpathSync(libPath)), '../share/doc');
  if (existsSync(docRoot)) dirs.push(...readdirSync(docRoot).map((d) => join(docRoot, d)));
  const texts = dirs.flatMap((d) =>
    existsSync(d) && statSync(d).isDirectory()
      ? readdirSync(d)
          .filter((f) => /^(LICENSE|COPYING|THIRD-PARTY-PROGRAMS)/i.test(f))
          .map((f) => ({ from: join(d, f), as: `${soname}/${f}` }))
      : [],
  );
  if (!texts.length)
    fail(
      `no licence text found for ${soname} (${libPath}): expected a Debian copyright file (dpkg -S) or LICENSE* under <prefix>/share/doc/*/ — a library is not shipped without one`,
    );
  return texts;
}

const started = performance.now();
rmSync(pkgDir, { recursive: true, force: true });
mkdirSync(pkgDir, { recursive: true });
execFileSync(process.execPath, [join(root, 'scripts/build-native.mjs'), `--out=${addon}`, '--origin-rpath'], {
  stdio: 'inherit',
});
if (!existsSync(addon))
  fail(`nothing to package: build-native.mjs built no addon (its line above says what is missing)`);

// Copy what the addon needs beyond the base system. ldd lists the whole tree (the addon's dependencies and theirs),
// resolved as the loader would now — before the copies, from oneDNN's install directory and the system.
const before = ldd(addon);
const missing = before.filter((d) => d.path === null).map((d) => d.soname);
if (missing.length) fail(`ldd cannot resolve ${missing.join(', ')} for ${addon}`);
const shipped = before.filter((d) => !isBase(d.soname));
for (const { soname, path } of shipped) copyFileSync(path, join(pkgDir, soname)); // follows the symlinks: real files

// Every shipped library must now resolve from the package folder ($ORIGIN), and nothing else but the base system.
const after = ldd(addon);
for (const d of after) {
  if (isBase(d.soname)) continue;
  if (d.path === null || realpathSync(dirname(d.path)) !== realpathSync(pkgDir))
    fail(`${d.soname} resolves to ${d.path ?? 'nothing'}, expected ${join(pkgDir, d.soname)} (the $ORIGIN rpath)`);
}

// Licences: the addon's own (the project's MIT licence) and each shipped library's.
mkdirSync(join(pkgDir, 'licenses'), { recursive: true });
writeFileSync(
  join(pkgDir, 'LICENSE'),
  `MIT License (rnn_native.node; the libraries beside it keep their own licences: licenses/)

Copyright (c) 2026 RNN Studio contributors

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
documentation files (the "Software"), to deal in the Software without restriction, including without limitation the
rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit
persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of the
Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`,
);
const licenceLines = [];
for (const { soname, path } of shipped) {
  const texts = licenceFiles(path, soname);
  for (const t of texts) {
    mkdirSync(dirname(join(pkgDir, 'licenses', t.as)), { recursive: true });
    copyFileSync(t.from, join(pkgDir, 'licenses', t.as));
  }
  licenceLines.push(`- \`${soname}\` (from ${realpathSync(path)}): ${texts.map((t) => `licenses/${t.as}`).join(', ')}`);
}
const spdx = shipped.map(({ soname }) => SPDX.find(([re]) => re.test(soname))?.[1]);
const license = spdx.every(Boolean)
  ? ['MIT', ...new Set(spdx)].map((l) => (l.includes(' ') ? `(${l})` : l)).join(' AND ')
  : 'SEE LICENSE IN licenses';

const floor = versionFloor([addon, ...shipped.map(({ soname }) => join(pkgDir, soname))]);
const cpu = { x64: 'x64', arm64: 'arm64' }[process.arch] ?? process.arch;
writeFileSync(
  join(pkgDir, 'package.json'),
  JSON.stringify(
    {
      name,
      version,
      description: `RNN Studio's native kernel provider (C++ and oneDNN, Node-API) prebuilt for ${target}`,
      license,
      os: [process.platform],
      cpu: [cpu],
      // npm >= 10 skips this package on musl (Alpine): the addon and the libraries beside it are built against glibc.
      libc: ['glibc'],
      main: 'rnn_native.node',
      // Yarn PnP: keep the files on disk, where dlopen and $ORIGIN can reach them.
      preferUnplugged: true,
    },
    null,
    2,
  ) + '\n',
);
writeFileSync(
  join(pkgDir, 'README.md'),
  `# ${name}

The native kernel provider of RNN Studio prebuilt for ${target}: an optional dependency that RNN Studio loads when it
is installed (main/training/kernels/kernels-native.ts), else it uses its WebAssembly kernels. Not meant to be used on
its own.

- \`rnn_native.node\`: the Node-API addon (N-API 8, Node >= 20), built from native/kernels/ by scripts/package-native.mjs.
- Beside it, found through its \`$ORIGIN\` rpath, the libraries it needs that a system need not have:
${shipped.map(({ soname, path }) => `  \`${soname}\` (${realpathSync(path)})`).join(',\n')}.
- Needs from the system: glibc >= ${floor.GLIBC ?? '?'}, libstdc++ with GLIBCXX_${floor.GLIBCXX ?? '?'} (CXXABI_${floor.CXXABI ?? '?'}), libgcc_s — the versions of the
  machine it was built on.

Licences: \`LICENSE\` (the addon, MIT) and, for each library shipped:
${licenceLines.join('\n')}
`,
);

const size = (f) => `${(statSync(f).size / 2 ** 20).toFixed(1)} MiB`;
console.log(
  `package-native: ${relative(root, pkgDir)}/ (${name}@${version}): rnn_native.node ${size(addon)}, ${shipped
    .map(({ soname }) => `${soname} ${size(join(pkgDir, soname))}`)
    .join(', ')}; glibc >= ${floor.GLIBC}, GLIBCXX_${floor.GLIBCXX}`,
);

if (!process.argv.includes('--no-pack')) {
  // npm pack needs no network for a folder without scripts or dependencies.
  const [packed] = JSON.parse(
    run('npm', ['pack', '--json', '--pack-destination', dirname(pkgDir)], {
      cwd: pkgDir,
      env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
    }),
  );
  const tgz = join(dirname(pkgDir), packed.filename);
  console.log(
    `package-native: ${relative(root, tgz)} (${size(tgz)} packed, ${(packed.unpackedSize / 2 ** 20).toFixed(1)} MiB unpacked, ${packed.entryCount} files, ${Math.round(performance.now() - started)} ms)`,
  );
}
