#!/usr/bin/env node
// Validates electron-builder.yml against electron-builder's own JSON schema (app-builder-lib's scheme.json, the
// schema electron-builder checks a configuration with before building) without installing electron-builder:
// electron-builder 26 cannot be installed offline (@electron/rebuild fetches @electron/node-gyp from GitHub), but
// `npm pack` fetches the one package from the npm registry. The tarball is cached in ~/.cache/rnn-studio/.
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
const schemaPath = join(cache, 'package', 'scheme.json');
if (!existsSync(schemaPath)) {
  mkdirSync(cache, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const tgz = execFileSync(npm, ['pack', `app-builder-lib@${VERSION}`, '--silent'], { cwd: cache, encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['-xzf', tgz, 'package/scheme.json'], { cwd: cache });
}
const yaml = require('js-yaml');
const Ajv = require('ajv');
const config = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8'));
const ajv = new Ajv({ allErrors: true, unknownFormats: 'ignore' });
if (ajv.validate(JSON.parse(readFileSync(schemaPath, 'utf8')), config)) {
  console.log(`electron-builder.yml is valid for electron-builder ${VERSION} (app-builder-lib scheme.json).`);
} else {
  for (const e of ajv.errors.filter((x) => x.keyword !== 'anyOf')) console.error(`${e.dataPath || '(root)'} ${e.message} ${JSON.stringify(e.params)}`);
  process.exit(1);
}
