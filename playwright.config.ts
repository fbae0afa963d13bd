import { defineConfig, devices } from '@playwright/test';
import { browserPaths, firefoxUserPrefs } from './scripts/browser-paths.mjs';
import { freePort } from './test/support/free-port';

// Debian's `chromium` and `firefox-esr` packages by default; CHROMIUM_PATH and FIREFOX_PATH point elsewhere
// (a Chrome, Playwright's own Chromium from `npx playwright install chromium`, a Firefox 147 or later).
// WebKit's end-to-end tests are not Playwright's: Playwright's WebKit is a build of its own, and the stock
// WebKitGTK is driven through WebKitWebDriver instead (test/e2e-webkit/, run by `npm test`).
const paths = browserPaths();

// The demo and the harness pages are served on ports free when the run starts, so that two checkouts can run
// their tests at once, and a server another tree left running is never tested in this one's place. This config
// is loaded again in each test worker: the origins picked first reach the workers, and the specs, through the
// environment they inherit. OFFTHREAD_DEMO_ORIGIN or OFFTHREAD_HARNESS_ORIGIN set beforehand point at a server
// of your own (outside CI, one already listening there is used as it is).
process.env.OFFTHREAD_DEMO_ORIGIN ||= `http://127.0.0.1:${await freePort()}`;
process.env.OFFTHREAD_HARNESS_ORIGIN ||= `http://127.0.0.1:${await freePort()}`;
const baseURL = process.env.OFFTHREAD_DEMO_ORIGIN;
const harnessOrigin = process.env.OFFTHREAD_HARNESS_ORIGIN;

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  // Traces, videos and failure attachments. Emptied by Playwright at the start of every run, so it
  // must not hold anything else (the count files live one level up). Screenshots a test takes on
  // purpose go where the test says, e.g. test/e2e/screenshots/ (committed: the README embeds one).
  outputDir: 'test-results/playwright',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [
    ['list'],
    ['./test/reporters/playwright-count-reporter.ts', { outputFile: 'test-results/playwright-counts.json' }],
  ],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  // Each project keeps its own outputDir: `npm test` runs them one after the other, and Playwright empties
  // the outputDir of each project it runs.
  projects: [
    {
      name: 'chromium',
      outputDir: 'test-results/playwright/chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: { executablePath: paths.chromium, args: ['--disable-quic'] },
      },
    },
    {
      // Stock Firefox over WebDriver BiDi (channel moz-firefox), not Playwright's own build: Playwright 1.65.1
      // needs the patch in patches/ for it (Firefox ESR 153 does not know emulation.setMediaFeaturesOverride).
      name: 'firefox',
      outputDir: 'test-results/playwright/firefox',
      use: {
        ...devices['Desktop Firefox'],
        launchOptions: { channel: 'moz-firefox', executablePath: paths.firefox, firefoxUserPrefs },
      },
    },
  ],
  webServer: [
    {
      // The demo, built as a user would build it.
      command: `npx vite build && npx vite preview --host 127.0.0.1 --port ${new URL(baseURL).port} --strictPort`,
      url: baseURL,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // The test harness pages (test/e2e/harness/), served from source by Vite's dev server.
      command: `npx vite --host 127.0.0.1 --port ${new URL(harnessOrigin).port} --strictPort`,
      url: `${harnessOrigin}/test/e2e/harness/index.html`,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
