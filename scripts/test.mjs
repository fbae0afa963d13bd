#!/usr/bin/env node
// The whole test command (`npm test`). Runs, in order:
//   1. scripts/browsers.mjs <engine>   (per engine: its browser, WebDriver and X server; installed as root on Debian)
//   2. tsc --noEmit -p tsconfig.json   (type check of the whole project)
//   3. vitest run (unit, types)        (Node only, unit also under jsdom and happy-dom; see vitest.config.ts)
//   3b. scripts/redis.mjs, then vitest run (bullmq)   (Node, against a real redis-server: installed from Debian's
//                                       package as root when missing; the suite starts and stops its own)
//   4. browser (<engine>)              (test/browser/** in Chromium, Firefox, WebKit: vitest projects browser,
//                                       browser-firefox, browser-webkit)
//   5. e2e (<engine>)                  (test/e2e/**/*.spec.ts through Playwright, projects chromium and firefox;
//                                       e2e (webkit): `vitest run --config test/e2e-webkit/vitest.config.ts`, when
//                                       that file exists)
// and prints, as its very last line, `N passed, N failed` (`, N skipped` when some were skipped).
// Each runner's count reporter writes its counts to test-results/*.json; a step that is not a test
// runner counts as 1 failed when it fails, and so does an engine whose browser is missing. Exits non-zero
// when anything failed.
//
// For the WebKit steps, this starts Xvfb (unless DISPLAY is set) and WebKitWebDriver (unless
// WEBKIT_WEBDRIVER_URL names one running) and gives the runners WEBKIT_WEBDRIVER_URL, WEBKIT_BINARY (a link
// named `safari` to the MiniBrowser) and DISPLAY; it stops them after the step, also when it fails or on Ctrl-C.
// Binaries: CHROMIUM_PATH, FIREFOX_PATH, WEBKIT_BINARY, WEBKIT_DRIVER, XVFB_PATH (scripts/browser-paths.mjs).
//
// Some suites or engines only:
//   npm test -- unit types                     suites: tsc, unit, types, bullmq, browser, e2e
//   npm test -- browser --engine firefox       engines: chromium, firefox, webkit (a comma-separated list, or
//   npm test -- --engine webkit                the option repeated); with no suite named, browser and e2e
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { startWebKitSession } from './webkit-session.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

const SUITES = ['tsc', 'unit', 'types', 'bullmq', 'browser', 'e2e'];
const ENGINES = ['chromium', 'firefox', 'webkit'];
const VITEST_COUNTS = join(root, 'test-results/vitest-counts.json'); // set in vitest.config.ts
const PLAYWRIGHT_COUNTS = join(root, 'test-results/playwright-counts.json'); // set in playwright.config.ts
const WEBKIT_E2E_CONFIG = 'test/e2e-webkit/vitest.config.ts';
const WEBKIT_E2E_COUNTS = join(root, 'test-results/webkit-e2e-counts.json'); // set in that config
/** Each engine's vitest browser project and Playwright project (WebKit's end-to-end tests are vitest's). */
const BROWSER_PROJECT = { chromium: 'browser', firefox: 'browser-firefox', webkit: 'browser-webkit' };
const PLAYWRIGHT_PROJECT = { chromium: 'chromium', firefox: 'firefox' };

const USAGE = `usage: npm test [-- <suite>...] [--engine <engine>[,<engine>...]]
  suites:  ${SUITES.join(', ')} (default: all; with --engine alone: browser, e2e)
  engines: ${ENGINES.join(', ')} (default: all), for the browser and e2e suites`;

function usageError(message) {
  console.error(`test: ${message}\n${USAGE}`);
  console.log('0 passed, 1 failed');
  process.exit(2);
}

const suiteArgs = [];
const engineArgs = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if (arg === '-h' || arg === '--help') {
    console.log(USAGE);
    process.exit(0);
  } else if (arg === '--engine' || arg === '--engines') {
    const value = argv[++i];
    if (value === undefined || value.startsWith('-')) usageError(`${arg} needs an engine`);
    engineArgs.push(...value.split(','));
  } else if (arg.startsWith('--engine=') || arg.startsWith('--engines=')) {
    engineArgs.push(...arg.slice(arg.indexOf('=') + 1).split(','));
  } else if (arg.startsWith('-')) {
    usageError(`unknown option "${arg}"`);
  } else {
    suiteArgs.push(arg);
  }
}
const unknownSuites = suiteArgs.filter((arg) => !SUITES.includes(arg));
if (unknownSuites.length > 0) usageError(`unknown suite ${unknownSuites.map((s) => `"${s}"`).join(', ')}; suites are: ${SUITES.join(', ')}`);
const unknownEngines = engineArgs.filter((arg) => !ENGINES.includes(arg));
if (unknownEngines.length > 0) usageError(`unknown engine ${unknownEngines.map((s) => `"${s}"`).join(', ')}; engines are: ${ENGINES.join(', ')}`);
const selected = new Set(suiteArgs.length > 0 ? suiteArgs : engineArgs.length > 0 ? ['browser', 'e2e'] : SUITES);
const engines = ENGINES.filter((engine) => engineArgs.length === 0 || engineArgs.includes(engine));

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
/** The runner running now, to pass a SIGTERM on to (Ctrl-C reaches it by itself: same process group). */
let current;
/** The WebKit session up now, stopped at exit whatever happens. */
let webkitSession;

const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;
const heading = (text) => console.log(`\n━━━ ${text}`);

/** Runs `node <script> <args>` with the terminal shared, so its output shows live. */
function runNode(script, scriptArgs, env = process.env) {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [script, ...scriptArgs], { stdio: 'inherit', env });
    current = child;
    child.on('error', (error) => {
      console.error(`test: could not start ${script}: ${error.message}`);
      resolveRun(1);
    });
    child.on('exit', (code, signal) => {
      current = undefined;
      if (signal === 'SIGINT' || signal === 'SIGTERM' || code === 130) interrupted = true;
      resolveRun(code ?? 1);
    });
  });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = true;
    // Ctrl-C reaches the children directly; a SIGTERM sent to this process alone is passed on. Either way
    // the runner stops, the WebKit session is stopped, and the summary is printed.
    if (signal === 'SIGTERM') current?.kill('SIGTERM');
  });
}
process.on('exit', () => webkitSession?.stopNow());

/** A step that is not a test runner: 1 failed if it fails, nothing if it passes. */
async function plainStep(label, script, scriptArgs) {
  heading(label);
  const start = Date.now();
  const code = await runNode(script, scriptArgs);
  const ok = code === 0;
  if (!ok) fail(label, `FAILED (exit ${code}), counted as 1 failed`, `${label}: exit ${code}`, Date.now() - start);
  else summary.push([label, 'ok', Date.now() - start]);
  return ok;
}

/** A step that could not run: 1 failed, with the reason in the summary and the list of failures. */
function fail(label, result, failure, ms = 0) {
  totals.failed += 1;
  failures.push(failure);
  summary.push([label, result, ms]);
}

/** A test runner whose count reporter writes `countsFile`. */
async function runnerStep(label, script, scriptArgs, countsFile, env) {
  heading(label);
  rmSync(countsFile, { force: true });
  const start = Date.now();
  const code = await runNode(script, scriptArgs, env);
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
  for (const failure of counts.failures ?? []) failures.push(`${label} ${failure}`);
  if (note) failures.push(`${label}:${note}`);
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  summary.push([label, `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${note}`, Date.now() - start]);
}

/** Runs `step(env)` with Xvfb and WebKitWebDriver up, and stops them after it, whatever happens. */
async function withWebKit(label, step) {
  try {
    webkitSession = await startWebKitSession({ log: (line) => console.log(`test: webkit: ${line}`) });
  } catch (error) {
    heading(label);
    console.error(`test: webkit: ${error.message}`);
    fail(label, `not run: ${error.message}`, `${label}: not run: ${error.message}`);
    return;
  }
  try {
    await step({ ...process.env, ...webkitSession.env });
  } finally {
    await webkitSession.stop();
    webkitSession = undefined;
  }
}

function findFiles(dir, suffix) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => relative(root, join(entry.parentPath ?? entry.path, entry.name)));
}

const vitest = bin('vitest', 'vitest');
const playwright = bin('@playwright/test', 'playwright');
const e2eSpecs = selected.has('e2e') ? findFiles(join(root, 'test/e2e'), '.spec.ts') : [];
const hasWebKitE2e = existsSync(join(root, WEBKIT_E2E_CONFIG));

/** Whether an engine has anything to run in the selected suites. */
function engineHasWork(engine) {
  if (selected.has('browser')) return true;
  if (!selected.has('e2e')) return false;
  return engine === 'webkit' ? hasWebKitE2e : e2eSpecs.length > 0;
}

// 1. The browsers, one engine at a time, so that one missing does not keep the others from running.
const haveBrowser = {};
for (const engine of engines) {
  if (!engineHasWork(engine) || interrupted) continue;
  haveBrowser[engine] = await plainStep(`browsers (${engine})`, 'scripts/browsers.mjs', [engine]);
}
/** A step of an engine whose browser is missing: counted as 1 failed, never skipped in silence. */
function missingBrowser(label, engine) {
  fail(label, `not run: no ${engine} browser (see browsers (${engine}) above)`, `${label}: not run, no ${engine} browser`);
}

// 2., 3. What runs in Node.
if (selected.has('tsc') && !interrupted) {
  await plainStep('tsc --noEmit -p tsconfig.json', bin('typescript', 'tsc'), ['--noEmit', '-p', 'tsconfig.json']);
}
// The unit suite is the Node project and the same tests of offthread/testing under jsdom and happy-dom.
const NODE_PROJECTS = { unit: ['unit', 'unit-jsdom', 'unit-happy-dom'], types: ['types'] };
const nodeProjects = ['unit', 'types'].filter((name) => selected.has(name));
if (nodeProjects.length > 0 && !interrupted) {
  const projects = nodeProjects.flatMap((name) => NODE_PROJECTS[name]);
  await runnerStep(`vitest (${nodeProjects.join(', ')})`, vitest, ['run', ...projects.flatMap((name) => ['--project', name])], VITEST_COUNTS);
}

// 3b. The BullMQ server side, against a real Redis (the suite's global setup starts one on a free port).
if (selected.has('bullmq') && !interrupted) {
  if (await plainStep('redis', 'scripts/redis.mjs', [])) {
    await runnerStep('vitest (bullmq)', vitest, ['run', '--project', 'bullmq'], VITEST_COUNTS);
  } else {
    fail('vitest (bullmq)', 'not run: no redis-server (see redis above)', 'vitest (bullmq): not run, no redis-server');
  }
}

// 4. The browser suite, engine after engine (on 2 cores, two browsers at once make timing-sensitive tests flaky).
if (selected.has('browser')) {
  for (const engine of engines) {
    if (interrupted) break;
    const label = `browser (${engine})`;
    const args = ['run', '--project', BROWSER_PROJECT[engine]];
    if (!haveBrowser[engine]) missingBrowser(label, engine);
    else if (engine === 'webkit') await withWebKit(label, (env) => runnerStep(label, vitest, args, VITEST_COUNTS, env));
    else await runnerStep(label, vitest, args, VITEST_COUNTS);
  }
}

// 5. End to end.
if (selected.has('e2e')) {
  for (const engine of engines) {
    if (interrupted) break;
    const label = `e2e (${engine})`;
    if (engine === 'webkit') {
      // WebKit's end-to-end tests are vitest's (test/e2e-webkit/), driven through WebKitWebDriver.
      if (!hasWebKitE2e) {
        summary.push([label, `none yet (no ${WEBKIT_E2E_CONFIG})`, 0]);
      } else if (!haveBrowser[engine]) {
        missingBrowser(label, engine);
      } else {
        await withWebKit(label, (env) => runnerStep(label, vitest, ['run', '--config', WEBKIT_E2E_CONFIG], WEBKIT_E2E_COUNTS, env));
      }
    } else if (e2eSpecs.length === 0) {
      heading(label);
      console.log('No end-to-end specs (test/e2e/**/*.spec.ts) yet: nothing to run.');
      summary.push([label, 'no specs yet', 0]);
    } else if (!haveBrowser[engine]) {
      missingBrowser(label, engine);
    } else {
      await runnerStep(label, playwright, ['test', '--pass-with-no-tests', `--project=${PLAYWRIGHT_PROJECT[engine]}`], PLAYWRIGHT_COUNTS);
    }
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
