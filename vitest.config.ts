import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';

// Debian's `chromium` package by default; CHROMIUM_PATH points elsewhere (a Chrome, or
// Playwright's own Chromium from `npx playwright install chromium`).
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// Run artefacts (failure screenshots, `annotate` attachments) stay under the git-ignored test-results/.
// `attachmentsDir` is a per-project option, hence repeated below.
const attachmentsDir = 'test-results/vitest-attachments';

export default defineConfig({
  test: {
    // A suite with no test files yet is not a failure.
    passWithNoTests: true,
    // The default reporter prints progress and failures; the count reporter writes
    // test-results/vitest-counts.json for scripts/test.mjs (`npm test`).
    reporters: [
      'default',
      ['./test/reporters/vitest-count-reporter.ts', { outputFile: 'test-results/vitest-counts.json' }],
    ],
    projects: [
      {
        test: {
          name: 'unit',
          attachmentsDir,
          environment: 'node',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'browser',
          attachmentsDir,
          include: ['test/browser/**/*.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: { executablePath, args: ['--disable-quic'] },
            }),
            instances: [{ browser: 'chromium' }],
            // Failure screenshots go with the other run artefacts, not next to the tests.
            screenshotDirectory: 'test-results/browser-screenshots',
          },
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
