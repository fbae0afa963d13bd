// The README's example in WebKit, as a user would ship it: the package packed and installed from its tarball into a
// fresh Vite app with the README's files, built, served with `vite preview` (test/support/readme-app.ts), and opened.
import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { repoRoot } from '../support/pack';
import { buildReadmeApp, EXPECTED_TEXT, serveApp, type ServedApp } from '../support/readme-app';
import { WebKit } from './support/webkit';

// Kept after a failure, to look into; removed after a pass.
const WORK_DIR = join(repoRoot, '.tmp/e2e-webkit-package', `${process.pid}-${Date.now().toString(36)}`);
const APP_DIR = join(WORK_DIR, 'app');
let app: ServedApp | undefined;
let webkit: WebKit | undefined;
let failed = true;

beforeAll(async () => {
  const timings: Record<string, number> = {};
  await buildReadmeApp(WORK_DIR, APP_DIR, {}, timings);
  app = await serveApp(APP_DIR);
  console.log(`package e2e (webkit) setup: ${Object.entries(timings).map(([label, ms]) => `${label} ${(ms / 1000).toFixed(1)}s`).join(', ')}`);
});

afterEach(async () => {
  await webkit?.end();
  webkit = undefined;
});

afterAll(async () => {
  await app?.stop();
  if (failed) console.log(`package e2e (webkit): kept ${relative(repoRoot, WORK_DIR)} to look into`);
  else rmSync(WORK_DIR, { recursive: true, force: true });
});

test('the README example, installed from the packed package into a fresh Vite app, shows its result in WebKit', async () => {
  webkit = await WebKit.start();
  const page = await webkit.open(app!.url);
  const text = await page
    .waitFor(() => (document.body.textContent === 'fib(30) = 832040' ? document.body.textContent : false), [], { timeout: 20_000, what: 'the page to show the result' })
    .catch(async (error: Error) => {
      throw new Error(`${error.message}; the page shows: ${JSON.stringify(await page.evaluate(() => document.body.textContent))}`);
    });
  expect(text).toBe(EXPECTED_TEXT);
  // It ran on a module worker built from the README's tasks.worker.ts, and stored the job in IndexedDB.
  const loaded = await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname));
  expect(loaded).toEqual(expect.arrayContaining([expect.stringMatching(/tasks\.worker[^/]*\.js$/)]));
  expect(await page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name))).toEqual(['offthread:math']);
  failed = false;
});
