#!/usr/bin/env node
// The whole test command (`npm test`). Runs, in order:
//   1. scripts/ensure-chromium.mjs  (Chromium for the browser and e2e suites; installs it as root on Debian)
//   2. tsc --noEmit -p tsconfig.json  (type check of the whole project)
//   3. vitest run                     (projects `unit`, `browser`, `types`; see vitest.config.ts)
//   4. playwright test                (test/e2e/**/*.spec.ts; see playwright.config.ts)
// and prints, as its very last line, `N passed, N failed` (`, N skipped` when some were skipped).
// Each runner's count reporter writes its counts to test-results/*.json; a step that is not a test
// runner counts as 1 failed when it fails. Exits non-zero when anything failed.
//
// One or more suites only:  npm test -- unit | browser | types | e2e | tsc   (e.g. `npm test -- unit types`)
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

const SUITES = ['tsc', 'unit', 'browser', 'types', 'e2e'];
const VITEST_PROJECTS = ['unit', 'browser', 'types'];
const VITEST_COUNTS = join(root, 'test-results/vitest-counts.json'); // set in vitest.config.ts
const PLAYWRIGHT_COUNTS = join(root, 'test-results/playwright-counts.json'); // set in playwright.config.ts

const args = process.argv.slice(2);
if (args.some((arg) => arg === '-h' || arg === '--help')) {
  console.log(`usage: npm test [-- <suite>...]    suites: ${SUITES.join(', ')} (default: all)`);
  process.exit(0);
}
const unknown = args.filter((arg) => !SUITES.includes(arg));
if (unknown.length > 0) {
  console.error(`test: unknown suite ${unknown.map((s) => `"${s}"`).join(', ')}; suites are: ${SUITES.join(', ')}`);
  console.log('0 passed, 1 failed');
  process.exit(2);
}
const selected = new Set(args.length > 0 ? args : SUITES);

const require = createRequire(import.meta.url);
/** The JavaScript file behind a package's bin, run with this very Node (no npx, no shell). */
function bin(pkg, name) {
  const manifestPath = require.resolve(`${pkg}/package.json`);
  const { bin: bins } = JSON.parse(readFileSync(manifestPath, 'utf8'));
  return join(dirname(manifestPath), typeof bins === 'string' ? bins : bins[name]);
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const summary = [];
/** What failed, a line each, printed again just above the last line, where a log's tail shows it. */
const failures = [];
let interrupted = false;

const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;
const heading = (text) => console.log(`\n━━━ ${text}`);

/** Runs `node <script> <args>` with the terminal shared, so its output shows live. */
function runNode(script, scriptArgs) {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [script, ...scriptArgs], { stdio: 'inherit' });
    child.on('error', (error) => {
      console.error(`test: could not start ${script}: ${error.message}`);
      resolveRun(1);
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGINT' || signal === 'SIGTERM' || code === 130) interrupted = true;
      resolveRun(code ?? 1);
    });
  });
}

// Ctrl-C reaches the children directly; let them stop, then print the summary.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = true;
  });
}

/** A step that is not a test runner: 1 failed if it fails, nothing if it passes. */
async function plainStep(label, script, scriptArgs) {
  heading(label);
  const start = Date.now();
  const code = await runNode(script, scriptArgs);
  const ok = code === 0;
  if (!ok) {
    totals.failed += 1;
    failures.push(`${label}: exit ${code}`);
  }
  summary.push([label, ok ? 'ok' : `FAILED (exit ${code}), counted as 1 failed`, Date.now() - start]);
  return ok;
}

/** A test runner whose count reporter writes `countsFile`. */
async function runnerStep(label, script, scriptArgs, countsFile) {
  heading(label);
  rmSync(countsFile, { force: true });
  const start = Date.now();
  const code = await runNode(script, scriptArgs);
  let counts;
  try {
    counts = JSON.parse(readFileSync(countsFile, 'utf8'));
  } catch {
    counts = undefined;
  }
  let note = '';
  if (!counts) {
    // The runner died before its reporter could write (bad config, crash...).
    counts = { passed: 0, failed: 1, skipped: 0 };
    note = ` (no counts from the reporter, exit ${code}: counted as 1 failed)`;
  } else if (code !== 0 && counts.failed === 0) {
    counts.failed = 1;
    note = ` (runner exited ${code} with no failed test: counted as 1 failed)`;
  }
  for (const failure of counts.failures ?? []) failures.push(failure);
  if (note) failures.push(`${label}:${note}`);
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  summary.push([label, `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${note}`, Date.now() - start]);
}

function findFiles(dir, suffix) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => relative(root, join(entry.parentPath ?? entry.path, entry.name)));
}

const wantsBrowser = selected.has('browser') || selected.has('e2e');
let haveChromium = true;
if (wantsBrowser) {
  haveChromium = await plainStep('ensure-chromium', 'scripts/ensure-chromium.mjs', []);
}

if (selected.has('tsc') && !interrupted) {
  await plainStep('tsc --noEmit -p tsconfig.json', bin('typescript', 'tsc'), ['--noEmit', '-p', 'tsconfig.json']);
}

const projects = VITEST_PROJECTS.filter((name) => selected.has(name) && (name !== 'browser' || haveChromium));
if (selected.has('browser') && !haveChromium) summary.push(['vitest project browser', 'not run: no Chromium', 0]);
if (projects.length > 0 && !interrupted) {
  await runnerStep(
    `vitest run (${projects.join(', ')})`,
    bin('vitest', 'vitest'),
    ['run', ...projects.flatMap((name) => ['--project', name])],
    VITEST_COUNTS,
  );
}

if (selected.has('e2e') && !interrupted) {
  const specs = findFiles(join(root, 'test/e2e'), '.spec.ts');
  if (!haveChromium) {
    summary.push(['playwright test', 'not run: no Chromium', 0]);
  } else if (specs.length === 0) {
    heading('playwright test');
    console.log('No end-to-end specs (test/e2e/**/*.spec.ts) yet: nothing to run.');
    summary.push(['playwright test', 'no specs yet', 0]);
  } else {
    await runnerStep('playwright test', bin('@playwright/test', 'playwright'), ['test', '--pass-with-no-tests'], PLAYWRIGHT_COUNTS);
  }
}

if (interrupted) {
  // An interrupted run never passes, even if nothing had failed yet.
  if (totals.failed === 0) totals.failed = 1;
  summary.push(['interrupted', 'remaining steps not run', 0]);
}

heading('summary');
const width = Math.max(...summary.map(([label]) => label.length));
for (const [label, result, ms] of summary) console.log(`  ${label.padEnd(width)}  ${seconds(ms).padStart(6)}  ${result}`);
if (failures.length > 0) {
  console.log('failed:');
  for (const failure of failures) console.log(`  ✗ ${failure}`);
}
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped > 0 ? `, ${totals.skipped} skipped` : ''}`);
process.exitCode = totals.failed > 0 ? 1 : 0;
