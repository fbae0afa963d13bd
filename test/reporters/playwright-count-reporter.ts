// Playwright reporter that writes the number of passed, failed and skipped *tests* to a JSON file,
// for scripts/test.mjs to add up. Use it next to a printing reporter ('list'), which shows failures.
//
// Output file: the `outputFile` option, else $PLAYWRIGHT_COUNTS_FILE, else test-results/playwright-counts.json.
// (Keep it outside Playwright's `outputDir`, which Playwright empties when a run starts.)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { FullResult, Reporter, Suite, TestError } from '@playwright/test/reporter';
import { firstLine } from './first-line';

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  /** Failures that belong to no test (web server did not start, error in global setup...). Included in `failed`. */
  errors: number;
  /** One line per failed test or error: where it is, its title and the first line of its error. */
  failures: string[];
}

export default class PlaywrightCountReporter implements Reporter {
  private readonly outputFile: string;
  private root: Suite | undefined;
  private readonly globalErrors: string[] = [];

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

  onError(error: TestError): void {
    this.globalErrors.push(`error outside a test: ${firstLine(error.message ?? error.value)}`);
  }

  onEnd(result: FullResult): void {
    const counts: Counts = {
      passed: 0,
      failed: 0,
      skipped: 0,
      errors: this.globalErrors.length,
      failures: [...this.globalErrors],
    };
    for (const test of this.root?.allTests() ?? []) {
      switch (test.outcome()) {
        case 'expected': // passed (or failed as `test.fail()` said it would)
        case 'flaky': // passed on a retry
          counts.passed++;
          break;
        case 'unexpected': {
          counts.failed++;
          const result = test.results.at(-1);
          const where = `${relative(process.cwd(), test.location.file)}:${test.location.line}`;
          counts.failures.push(`${where} › ${test.titlePath().filter(Boolean).slice(2).join(' › ')}: ${firstLine(result?.error?.message)}`);
          break;
        }
        case 'skipped': // skipped, or never ran (run stopped early)
          counts.skipped++;
          break;
      }
    }
    if (result.status !== 'passed' && counts.failed + counts.errors === 0) {
      counts.errors++;
      counts.failures.push(`run ended ${result.status} with no failed test`);
    }
    counts.failed += counts.errors;

    mkdirSync(dirname(this.outputFile), { recursive: true });
    writeFileSync(this.outputFile, `${JSON.stringify(counts, null, 2)}\n`);
  }
}
