// BENCHMARKS.md says that nothing in it is typed in by hand: `npm run bench -- --write-benchmarks` writes it from the
// run it reports, whose raw samples it leaves in bench/results/latest.json, and `--markdown-only` writes it again
// from that file (after a change to its template). So the two must agree: a BENCHMARKS.md edited by hand, or a
// latest.json from another run committed without it, fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

/** What bench/report/benchmarks-markdown.mjs exports (a plain .mjs, without types). */
interface BenchmarksMarkdown {
  benchmarksMarkdown(output: unknown): string;
}

describe('BENCHMARKS.md', () => {
  it('is what `npm run bench -- --markdown-only` writes from bench/results/latest.json, to the last line', async () => {
    const writer = (await import(pathToFileURL(join(root, 'bench/report/benchmarks-markdown.mjs')).href)) as BenchmarksMarkdown;
    const output: unknown = JSON.parse(readFileSync(join(root, 'bench/results/latest.json'), 'utf8'));
    const written = readFileSync(join(root, 'BENCHMARKS.md'), 'utf8');
    // Line by line, so that a difference shows where it is.
    expect(writer.benchmarksMarkdown(output).split('\n')).toEqual(written.split('\n'));
  });
});
