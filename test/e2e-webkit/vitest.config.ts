// End-to-end tests in WebKit: WebKitGTK's MiniBrowser, driven over classic WebDriver (WebKitWebDriver) by
// webdriverio, from specs that run in Node (test/e2e-webkit/**/*.test.ts). Playwright's own WebKit is not
// used: these drive the WebKit of the system (Debian: webkit2gtk-driver).
//
//   npx vitest run --config test/e2e-webkit/vitest.config.ts
//
// The environment (set by `npm test`'s WebKit step, or by you):
//   WEBKIT_WEBDRIVER_URL  a WebKitWebDriver already listening (http://127.0.0.1:PORT). Unset: one is started
//                         here (with an Xvfb display of its own if DISPLAY is unset), and stopped at the end.
//   WEBKIT_BINARY         the browser WebKitWebDriver starts (default: Debian's MiniBrowser).
//   DISPLAY               where the browser draws (MiniBrowser's --headless hangs: it draws into Xvfb).
//
// The demo (built as a user builds it, served by `vite preview`) and the harness pages (test/e2e/harness/,
// served from source by Vite's dev server) are started here on ports free when the run starts, as
// playwright.config.ts does; OFFTHREAD_DEMO_ORIGIN / OFFTHREAD_HARNESS_ORIGIN set beforehand point at servers of
// your own. The specs read these origins from the environment.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { freePort } from '../support/free-port.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// What global-setup.ts starts: the servers whose origin was not given, and a driver if none was.
const start: string[] = [];
if (!process.env.OFFTHREAD_DEMO_ORIGIN) {
  process.env.OFFTHREAD_DEMO_ORIGIN = `http://127.0.0.1:${await freePort()}`;
  start.push('demo');
}
if (!process.env.OFFTHREAD_HARNESS_ORIGIN) {
  process.env.OFFTHREAD_HARNESS_ORIGIN = `http://127.0.0.1:${await freePort()}`;
  start.push('harness');
}
if (!process.env.WEBKIT_WEBDRIVER_URL) {
  process.env.WEBKIT_WEBDRIVER_URL = `http://127.0.0.1:${await freePort()}`;
  start.push('driver');
}
process.env.WEBKIT_BINARY ||= '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
process.env.OFFTHREAD_WEBKIT_START = start.join(',');

export default defineConfig({
  root,
  test: {
    name: 'e2e-webkit',
    include: ['test/e2e-webkit/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/e2e-webkit/global-setup.ts'],
    // One browser at a time on this 2-core machine: one test file, one test, one session at a time.
    fileParallelism: false,
    maxWorkers: 1,
    sequence: { concurrent: false },
    testTimeout: 120_000,
    // The package test packs, installs and builds an app before its tests.
    hookTimeout: 600_000,
    retry: 0,
    env: {
      OFFTHREAD_DEMO_ORIGIN: process.env.OFFTHREAD_DEMO_ORIGIN,
      OFFTHREAD_HARNESS_ORIGIN: process.env.OFFTHREAD_HARNESS_ORIGIN,
      WEBKIT_WEBDRIVER_URL: process.env.WEBKIT_WEBDRIVER_URL,
      WEBKIT_BINARY: process.env.WEBKIT_BINARY,
    },
    reporters: [
      'default',
      ['./test/reporters/vitest-count-reporter.ts', { outputFile: 'test-results/webkit-e2e-counts.json' }],
    ],
  },
});
