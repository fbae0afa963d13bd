#!/usr/bin/env node
// Adds `.js` (or `/index.js`) to the relative import specifiers of the `.d.ts` files tsc wrote into a folder.
//
// Why: the package is `"type": "module"`, so TypeScript users with `moduleResolution: node16`/`nodenext`
// resolve our declarations as ES modules, where `from './client/queue'` does not resolve (ESM needs the
// extension) and the public types silently degrade. tsc copies specifiers as written in src/ (which uses
// `moduleResolution: bundler`, extensionless), so the build fixes them here. `attw` checks the result.
//
// usage: node tools/add-dts-extensions.mjs [dir]   (default: dist)
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';

const root = resolve(process.argv[2] ?? 'dist');

// `import ... from '<spec>'` / `export ... from '<spec>'` statements (not JSDoc examples: those lines
// start with `*`), and `import('<spec>')` type expressions.
const STATEMENT = /^(\s*(?:import|export)\b[^;]*?\bfrom\s*)(['"])(\.{1,2}\/[^'"]*)\2/gm;
const IMPORT_TYPE = /(\bimport\(\s*)(['"])(\.{1,2}\/[^'"]*)\2/g;

let files = 0;
let rewritten = 0;
for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  const before = readFileSync(file, 'utf8');
  const fix = (_match, head, quote, spec) => `${head}${quote}${withExtension(file, spec)}${quote}`;
  const after = before.replace(STATEMENT, fix).replace(IMPORT_TYPE, fix);
  files += 1;
  if (after !== before) {
    writeFileSync(file, after);
    rewritten += 1;
  }
}
console.log(`add-dts-extensions: ${rewritten} of ${files} declaration files in ${relative(process.cwd(), root) || '.'} rewritten`);

function withExtension(file, spec) {
  if (/\.(c|m)?js$/.test(spec)) return spec;
  const target = resolve(dirname(file), spec);
  if (existsSync(`${target}.d.ts`)) return `${spec}.js`;
  if (existsSync(target) && statSync(target).isDirectory() && existsSync(join(target, 'index.d.ts'))) {
    return `${spec.replace(/\/$/, '')}/index.js`;
  }
  console.error(`add-dts-extensions: ${relative(process.cwd(), file)} imports "${spec}", which matches no declaration file`);
  process.exit(1);
}
