#!/usr/bin/env node
// `npm run docs`: the API reference, built by typedoc to docs/api/ (git-ignored) from every public entry.
// Fails on any warning, an undocumented public symbol included (typedoc.json: treatWarningsAsErrors and
// validation.notDocumented). typedoc needs the TypeScript compiler API (5.x or 6.x), which the root's TypeScript 7
// does not ship, so it lives in tools/docs/ with its own lockfile, installed there on first use.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tools = join(root, 'tools/docs');
const typedoc = join(tools, 'node_modules/typedoc/bin/typedoc');

function run(command, args, cwd) {
  const { status, error } = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (error) console.error(`docs: could not start ${command}: ${error.message}`);
  return status ?? 1;
}

if (!existsSync(typedoc)) {
  console.log('docs: installing typedoc in tools/docs (npm ci)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  if (run(npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], tools) !== 0) {
    console.error('docs: npm ci in tools/docs failed');
    process.exit(1);
  }
}
process.exit(run(process.execPath, [typedoc, '--options', join(root, 'typedoc.json'), ...process.argv.slice(2)], root));
