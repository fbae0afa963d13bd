// The README's "Testing app code" example is test/unit/testing/readme/ as written: the suite runs that test.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readmeFiles } from '../support/readme-app';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const dir = new URL('./testing/readme/', import.meta.url);

/** `<!-- testing: PATH -->` followed by a fenced code block. */
function testingFiles(markdown: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const [, path, , code] of markdown.matchAll(/<!--\s*testing:\s*(\S+)\s*-->\s*\n(`{3,})[^\n]*\n([\s\S]*?)\n\2[ \t]*(?:\n|$)/g)) {
    files.set(path!, `${code}\n`);
  }
  return files;
}

describe('README: Testing app code', () => {
  it('gives the app code and its test that test/unit/testing/readme/ holds and the suite runs', () => {
    const files = testingFiles(readme);
    expect([...files.keys()]).toEqual(['src/fib-label.ts', 'src/fib-label.test.ts']);
    for (const [path, code] of files) expect(code, path).toBe(readFileSync(new URL(path, dir), 'utf8'));
  });

  it("uses the tasks of the README's example", () => {
    expect(readFileSync(new URL('src/tasks.ts', dir), 'utf8')).toBe(readmeFiles(readme).get('src/tasks.ts'));
  });
});
