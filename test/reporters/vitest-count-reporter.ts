// Vitest reporter that writes the number of passed, failed and skipped *tests* to a JSON file,
// for scripts/test.mjs to add up. Use it next to the default reporter, which prints failures.
//
//   vitest run --reporter=default --reporter=./test/reporters/vitest-count-reporter.ts
//
// Output file: $VITEST_COUNTS_FILE, else test-results/vitest-counts.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node';
import { firstLine } from './first-line';

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  /** Failures that belong to no test: unhandled errors, test files that failed to load. Included in `failed`. */
  errors: number;
  /** One line per failed test or error: where it is, its name and the first line of its error. */
  failures: string[];
}

export default class VitestCountReporter implements Reporter {
  private readonly outputFile: string;

  constructor(options: { outputFile?: string } = {}) {
    this.outputFile = resolve(
      options.outputFile ?? process.env.VITEST_COUNTS_FILE ?? 'test-results/vitest-counts.json',
    );
  }

  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): void {
    const counts: Counts = { passed: 0, failed: 0, skipped: 0, errors: 0, failures: [] };
    for (const testModule of testModules) {
      let failedTests = 0;
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') {
          failedTests++;
          const where = `${testModule.project.name} ${testModule.relativeModuleId}`;
          counts.failures.push(`${where} › ${test.fullName}: ${firstLine(test.result().errors?.[0]?.message)}`);
        }
        else counts.skipped++; // 'skipped' (skip, todo, filtered out) or 'pending' (never ran)
      }
      counts.failed += failedTests;
      // A file that failed by itself (import error, error in a hook outside tests, type error
      // outside any test) with no failed test to show for it.
      if (failedTests === 0 && testModule.state() === 'failed') {
        counts.errors++;
        const error = testModule.errors()[0];
        counts.failures.push(`${testModule.project.name} ${testModule.relativeModuleId}: ${firstLine(error?.message)}`);
      }
    }
    counts.errors += unhandledErrors.length;
    for (const error of unhandledErrors) counts.failures.push(`unhandled error: ${firstLine(error.message)}`);
    // Interrupted run with nothing else to blame.
    if (reason === 'interrupted' && counts.failed + counts.errors === 0) counts.errors++;
    counts.failed += counts.errors;

    mkdirSync(dirname(this.outputFile), { recursive: true });
    writeFileSync(this.outputFile, `${JSON.stringify(counts, null, 2)}\n`);
  }
}
