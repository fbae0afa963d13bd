#!/usr/bin/env node
// What the package costs an app: each entry of dist/ bundled with its dependencies (comlink, idb) by Vite as an
// app build does it (all the entry's exports kept, as if the app used them all; fully minified, which Vite's
// library mode is not), then gzipped. Run after `npm run build` (`npm run size` does both).
// What loads with an entry (it and its static imports) is counted apart from what it loads later with import(),
// when a queue is made or a feature is used: each of those chunks is listed with its own size.
// The optional entries (dashboard, testing, react, vue) are measured as an app that already imports `offthread` pays for them:
// what each adds on top.
//
// usage: node tools/size.mjs
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import process from 'node:process';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const entries = { 'offthread (page)': 'dist/index.js', 'offthread/worker': 'dist/worker.js', 'offthread/service-worker': 'dist/service-worker.js' };

/** The chunks of an app build of `input` (a file, or named files), minified, nothing written. */
async function appBuild(input) {
  for (const file of typeof input === 'string' ? [input] : Object.values(input)) {
    if (!existsSync(file)) {
      console.error(`size: ${file} is missing: run \`npm run build\` first`);
      process.exit(1);
    }
  }
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: true,
      target: 'es2022',
      rolldownOptions: {
        input: typeof input === 'string' ? resolve(input) : Object.fromEntries(Object.entries(input).map(([name, file]) => [name, resolve(file)])),
        preserveEntrySignatures: 'exports-only',
        // The app's own framework, not offthread's cost (peer dependencies of offthread/react and offthread/vue).
        external: ['react', 'vue'],
      },
    },
  });
  return (Array.isArray(output) ? output : [output]).flatMap((result) => result.output).filter((chunk) => chunk.type === 'chunk');
}

function measure(list) {
  const code = list.map((chunk) => chunk.code).join('\n');
  return { min: Buffer.byteLength(code), gz: code ? gzipSync(code, { level: 9 }).length : 0 };
}

/** The npm package a module of an app build comes from (`undefined` for our own dist/). */
function packageOf(id) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(id);
  return match?.[1];
}

/** A chunk's name: its main module's file name, without the hash our library build gave it. */
function chunkName(chunk) {
  const id = chunk.facadeModuleId ?? chunk.moduleIds.at(-1) ?? chunk.fileName;
  const file = basename(id, '.js');
  return id.includes('/dist/') ? file.replace(/-[\w-]{8}$/, '') : file;
}

const totals = {};
for (const [label, file] of Object.entries(entries)) {
  const chunks = await appBuild(file);
  // What loads with the entry (it and its static imports), apart from what it loads later with import().
  const byName = new Map(chunks.map((chunk) => [chunk.fileName, chunk]));
  const eager = new Set();
  const visit = (chunk) => {
    if (!chunk || eager.has(chunk)) return;
    eager.add(chunk);
    for (const name of chunk.imports) visit(byName.get(name));
  };
  visit(chunks.find((chunk) => chunk.isEntry));
  const lazy = chunks.filter((chunk) => !eager.has(chunk));
  const now = measure([...eager]);
  totals[label] = now.gz;
  const deps = [...new Set([...eager].flatMap((chunk) => chunk.moduleIds.map(packageOf).filter(Boolean)))];
  console.log(`${label.padEnd(26)} ${kB(now.min).padStart(9)} minified  ${kB(now.gz).padStart(8)} gzip   (${[file, ...deps].join(' + ')}, loaded with it)`);
  if (lazy.length > 0) {
    const later = measure(lazy);
    const each = lazy.map((chunk) => `${chunkName(chunk)} ${kB(measure([chunk]).gz)}`).join(', ');
    console.log(`${'  + lazy chunks'.padEnd(26)} ${kB(later.min).padStart(9)} minified  ${kB(later.gz).padStart(8)} gzip   (import() when a queue is made or a feature is used: ${each})`);
  }
}
const pageAndWorker = totals['offthread (page)'] + totals['offthread/worker'];
console.log(`${'page + worker, loaded'.padEnd(26)} ${''.padStart(9)}           ${kB(pageAndWorker).padStart(8)} gzip   (the target in BENCHMARKS.md: 8.0 kB)`);

// The optional entries, each bundled together with the page entry, so the code they share (the queue) is split
// out; what one adds is its chunks that the page entry does not load.
for (const [label, file, what] of [
  ['offthread/dashboard', 'dist/dashboard.js', 'uplot (lazy)'],
  ['offthread/testing', 'dist/testing.js'],
  ['offthread/react', 'dist/react.js'],
  ['offthread/vue', 'dist/vue.js'],
]) {
  const chunks = await appBuild({ page: 'dist/index.js', entry: file });
  const byName = new Map(chunks.map((chunk) => [chunk.fileName, chunk]));
  const eagerFrom = (entry) => {
    const seen = new Set();
    const visit = (chunk) => {
      if (!chunk || seen.has(chunk)) return;
      seen.add(chunk);
      for (const name of chunk.imports) visit(byName.get(name));
    };
    visit(entry);
    return seen;
  };
  const page = eagerFrom(chunks.find((chunk) => chunk.isEntry && chunk.name === 'page'));
  const entry = eagerFrom(chunks.find((chunk) => chunk.isEntry && chunk.name === 'entry'));
  const added = [...entry].filter((chunk) => !page.has(chunk));
  const now = measure(added);
  const withPage = measure([...entry]);
  console.log(`${label.padEnd(26)} ${kB(now.min).padStart(9)} minified  ${kB(now.gz).padStart(8)} gzip   (${file}, on top of \`offthread\`; ${kB(withPage.gz)} gzip with it)`);
  if (!what) continue;
  // Loaded later by the entry's own code (uPlot for the dashboard), not by the queue's (croner, workbox-window: counted above).
  const lazy = [...new Set(added.flatMap((chunk) => chunk.dynamicImports))]
    .flatMap((name) => [...eagerFrom(byName.get(name))])
    .filter((chunk, i, all) => all.indexOf(chunk) === i && !entry.has(chunk));
  if (lazy.length > 0) {
    const later = measure(lazy);
    console.log(`${`  + ${what}`.padEnd(26)} ${kB(later.min).padStart(9)} minified  ${kB(later.gz).padStart(8)} gzip   (loaded with import() once it is used)`);
  }
}

function kB(bytes) {
  return `${(bytes / 1000).toFixed(1)} kB`;
}
