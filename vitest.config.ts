import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import type { BrowserProviderOption } from 'vitest/node';
import { playwright } from '@vitest/browser-playwright';
import { webdriverio } from '@vitest/browser-webdriverio';
import { browserPaths, firefoxUserPrefs, webkitArgs } from './scripts/browser-paths.mjs';

// Where each engine's binary is: Debian's packages by default, each overridable by the environment
// (CHROMIUM_PATH, FIREFOX_PATH, WEBKIT_BINARY; see scripts/browser-paths.mjs).
const paths = browserPaths();

// WebKit is driven over classic WebDriver by a WebKitWebDriver already running, drawing into an X display:
// `npm test` (scripts/test.mjs) starts both and sets WEBKIT_WEBDRIVER_URL, WEBKIT_BINARY (a link to the
// MiniBrowser named `safari`, the only WebKit name the provider takes) and DISPLAY for this run. To run the
// WebKit project alone: `node scripts/with-webkit.mjs npx vitest run --project browser-webkit`.
const webkitDriver = new URL(process.env.WEBKIT_WEBDRIVER_URL || 'http://127.0.0.1:4444');

// WebKitGTK's own capability (not in WebdriverIO's types): which browser binary to start, with what arguments.
const webkitCapabilities = {
  'wdio:enforceWebDriverClassic': true,
  'webkitgtk:browserOptions': { binary: paths.webkit, args: [...webkitArgs] },
};

// Run artefacts (failure screenshots, `annotate` attachments) stay under the git-ignored test-results/.
// `attachmentsDir` is a per-project option, hence repeated below.
const attachmentsDir = 'test-results/vitest-attachments';

/** The package's entry points by their published names, as a user's code imports them (the README's test does). */
const packageAliases = Object.entries({
  'offthread/testing': 'src/testing.ts',
  'offthread/worker': 'src/worker.ts',
  offthread: 'src/index.ts',
}).map(([name, file]) => ({ find: new RegExp(`^${name}$`), replacement: new URL(file, import.meta.url).pathname }));

/** The browser suite (test/browser/) in one engine. */
function browserProject(
  name: string,
  instance: { browser: 'chromium' | 'firefox' | 'safari'; headless?: boolean },
  provider: BrowserProviderOption,
): TestProjectInlineConfiguration {
  return {
    // Found up front: a dependency found mid-run makes Vite reload the page under the tests.
    optimizeDeps: { include: ['react', 'react-dom/client', 'vue'] },
    // Vue's esm-bundler build asks its bundler for these flags.
    define: { __VUE_OPTIONS_API__: 'true', __VUE_PROD_DEVTOOLS__: 'false', __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false' },
    test: {
      name,
      attachmentsDir,
      include: ['test/browser/**/*.test.ts'],
      browser: {
        enabled: true,
        headless: instance.headless ?? true,
        provider,
        instances: [{ browser: instance.browser }],
        // Failure screenshots go with the other run artefacts, not next to the tests.
        screenshotDirectory: `test-results/browser-screenshots/${name}`,
      },
    },
  };
}

export default defineConfig({
  test: {
    // A suite with no test files yet is not a failure.
    passWithNoTests: true,
    // The default reporter prints progress and failures; the count reporter writes
    // test-results/vitest-counts.json for scripts/test.mjs (`npm test`).
    reporters: [
      'default',
      ['./test/reporters/vitest-count-reporter.ts', { outputFile: process.env.VITEST_COUNTS_FILE || 'test-results/vitest-counts.json' }],
    ],
    projects: [
      {
        test: {
          name: 'unit',
          attachmentsDir,
          environment: 'node',
          include: ['test/unit/**/*.test.ts'],
        },
        resolve: { alias: packageAliases },
      },
      // offthread/testing's tests again, where app tests run: in a DOM without Worker, IndexedDB or Web Locks.
      ...(['jsdom', 'happy-dom'] as const).map((environment) => ({
        test: { name: `unit-${environment}`, attachmentsDir, environment, include: ['test/unit/testing/**/*.test.ts'] },
        resolve: { alias: packageAliases },
      })),
      // One project per engine: `browser` (Chromium), `browser-firefox`, `browser-webkit`.
      browserProject('browser', { browser: 'chromium' }, playwright({
        launchOptions: { executablePath: paths.chromium, args: ['--disable-quic'] },
      })),
      // Playwright drives stock Firefox over WebDriver BiDi (channel moz-firefox), not a build of its own.
      browserProject('browser-firefox', { browser: 'firefox' }, playwright({
        launchOptions: { channel: 'moz-firefox', executablePath: paths.firefox, firefoxUserPrefs },
      })),
      // No headless mode: MiniBrowser's --headless hung, so it draws into the X display (Xvfb in `npm test`).
      browserProject('browser-webkit', { browser: 'safari', headless: false }, webdriverio({
        hostname: webkitDriver.hostname,
        port: Number(webkitDriver.port || 80),
        path: webkitDriver.pathname,
        capabilities: webkitCapabilities,
      })),
      {
        // The BullMQ server side against a real redis-server (started by its global setup), in Node.
        test: {
          name: 'bullmq',
          attachmentsDir,
          environment: 'node',
          include: ['test/bullmq/**/*.test.ts'],
          globalSetup: ['test/bullmq/global-setup.ts'],
          // One file at a time: they share one Redis, and child processes take the 2 cores.
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'types',
          // Only type tests (`*.test-d.ts`): checked by `tsc` with the project's tsconfig.json, never run.
          typecheck: {
            enabled: true,
            only: true,
            checker: 'tsc',
            tsconfig: './tsconfig.json',
            include: ['test/types/**/*.test-d.ts'],
            // Type errors outside the type tests are reported by the `tsc --noEmit` step of `npm test`.
            ignoreSourceErrors: true,
          },
        },
      },
    ],
  },
});
