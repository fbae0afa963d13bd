// Playwright reporter that writes the number of passed, failed and skipped *tests* to a JSON file,
// for scripts/test.mjs to add up. Use it next to a printing reporter ('list'), which shows failures.
//
// Output file: the `outputFile` option, else $PLAYWRIGHT_COUNTS_FILE, else test-results/playwright-counts.json.
// (Keep it outside Playwright's `outputDir`, which Playwright empties when a run starts.)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { FullResult, Reporter, Suite, TestError } from '@playwright/test/reporter';

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  /** Failures that belong to no test (web server did not start, error in global setup...). Included in `failed`. */
  errors: number;
}

export default class PlaywrightCountReporter implements Reporter {
  private readonly outputFile: string;
  private root: Suite | undefined;
  private globalErrors = 0;

  constructor(options: { outputFile?: string } = {}) {
    this.outputFile = resolve(
      options.outputFile ?? process.env.PLAYWRIGHT_COUNTS_FILE ?? 'test-results/playwright-counts.json',
    );
  }

  printsToStdio(): boolean {
    return false;
  }

  onBegin(_config: unknown, suite: Suite): void {
    this.root = suite;
  }

  onError(_error: TestError): void {
    this.globalErrors++;
  }

  onEnd(result: FullResult): void {
    const counts: Counts = { passed: 0, failed: 0, skipped: 0, errors: this.globalErrors };
    for (const test of this.root?.allTests() ?? []) {
      switch (test.outcome()) {
        case 'expected': // passed (or failed as `test.fail()` said it would)
        case 'flaky': // passed on a retry
          counts.passed++;
          break;
        case 'unexpected':
          counts.failed++;
          break;
        case 'skipped': // skipped, or never ran (run stopped early)
          counts.skipped++;
          break;
      }
    }
    if (result.status !== 'passed' && counts.failed + counts.errors === 0) counts.errors++;
    counts.failed += counts.errors;

    mkdirSync(dirname(this.outputFile), { recursive: true });
    writeFileSync(this.outputFile, `${JSON.stringify(counts, null, 2)}\n`);
  }
}
