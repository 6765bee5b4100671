#!/usr/bin/env node
// @ts-check
// Validates electron-builder.yml against electron-builder's own JSON schema (app-builder-lib's scheme.json, the
// schema electron-builder checks a configuration with before building) without installing electron-builder:
// electron-builder 26 cannot be installed offline (@electron/rebuild fetches @electron/node-gyp from GitHub), but
// `npm pack` fetches the one package from the npm registry. The tarball is cached in ~/.cache/rnn-studio/.
// Then, from the same package's code: every fuse in `electronFuses` is one electron-builder hands to @electron/fuses
// (a key the schema allows but the packager ignored would leave that fuse as Electron ships it).
// Uses js-yaml and ajv (draft-07), which ESLint already brings into node_modules.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION = '26.17.0'; // keep in step with "dist" in package.json
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const cache = join(homedir(), '.cache', 'rnn-studio', `app-builder-lib-${VERSION}`);
const wanted = ['package/scheme.json', 'package/package.json', 'package/out/platformPackager.js'];
const schemaPath = join(cache, 'package', 'scheme.json');
if (!wanted.every((f) => existsSync(join(cache, f)))) {
  mkdirSync(cache, { recursive: true });
  let tgz = `app-builder-lib-${VERSION}.tgz`;
  if (!existsSync(join(cache, tgz))) {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    tgz =
      execFileSync(npm, ['pack', `app-builder-lib@${VERSION}`, '--silent'], { cwd: cache, encoding: 'utf8' })
        .trim()
        .split('\n')
        .pop() ?? tgz;
  }
  execFileSync('tar', ['-xzf', tgz, ...wanted], { cwd: cache });
}
/** @type {{ load(text: string): any }} */
const yaml = require('js-yaml');
const Ajv = require('ajv');
const config = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8'));
const ajv = new Ajv({ allErrors: true, unknownFormats: 'ignore' });
if (ajv.validate(JSON.parse(readFileSync(schemaPath, 'utf8')), config)) {
  console.log(`electron-builder.yml is valid for electron-builder ${VERSION} (app-builder-lib scheme.json).`);
} else {
  for (const e of (ajv.errors ?? []).filter((x) => x.keyword !== 'anyOf'))
    console.error(`${e.dataPath || '(root)'} ${e.message} ${JSON.stringify(e.params)}`);
  process.exit(1);
}

const fuses = config.electronFuses;
if (fuses === null || typeof fuses !== 'object' || Object.keys(fuses).length === 0) {
  console.error(
    `expected an electronFuses block in electron-builder.yml, received ${JSON.stringify(fuses)}: the packaged app would keep Electron's default fuses.`,
  );
  process.exit(1);
}
const builderPkg = JSON.parse(readFileSync(join(cache, 'package', 'package.json'), 'utf8'));
if (!builderPkg.dependencies?.['@electron/fuses']) {
  console.error(
    `expected app-builder-lib ${VERSION} to depend on @electron/fuses, received dependencies ${Object.keys(builderPkg.dependencies ?? {}).join(', ')}.`,
  );
  process.exit(1);
}
const packager = readFileSync(join(cache, 'package', 'out', 'platformPackager.js'), 'utf8');
const ignored = Object.keys(fuses).filter((key) => !packager.includes(`fuses.${key}`));
if (ignored.length > 0) {
  console.error(
    `expected electron-builder ${VERSION} to pass every electronFuses key to @electron/fuses, received keys its packager never reads: ${ignored.join(', ')}.`,
  );
  process.exit(1);
}
console.log(
  `electron-builder ${VERSION} flips all ${Object.keys(fuses).length} fuses set in electronFuses (@electron/fuses ${builderPkg.dependencies['@electron/fuses']}).`,
);
