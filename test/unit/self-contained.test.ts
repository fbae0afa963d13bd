// The repository speaks of itself alone: no file in it may send a reader to documents that are not in it (a
// sibling folder of shared notes, an absolute path on the machine it was written on, a document's numbered
// section, a Markdown file it does not hold) or to tracker numbers ("see item N" of a tracker the reader cannot
// open). The fault matrix the tests follow is docs/guarantees.md; the targets are BENCHMARKS.md's.
// Links to other projects' public trackers (an upstream bug behind a workaround) are fine: they are URLs or
// `owner/repo#N`, which none of the patterns below match.
//
// The patterns are built from pieces, so that this file, which is scanned like every other, does not match them.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = posix.join(import.meta.dirname.replaceAll('\\', '/'), '../..');

/** Joins pieces into one string: how the patterns and the samples below avoid spelling what they look for. */
const cat = (...pieces: string[]) => pieces.join('');

/** What may not be written, and how to say what it is. */
const FORBIDDEN: readonly { what: string; pattern: RegExp }[] = [
  { what: 'a path into a folder beside the repository', pattern: new RegExp(cat('\\.\\./', 'sha', 'red\\b')) },
  { what: 'an absolute path on the machine it was written on', pattern: new RegExp(cat('(?<![\\w.~-])/', 'wo', 'rk/')) },
  {
    what: 'a tracker number',
    pattern: new RegExp(cat('\\b(?:', 'iss', 'ues?|', 'ta', 'sks?|', 'tick', 'ets?)\\s+#?\\d+\\b'), 'i'),
  },
  { what: 'a numbered section of a document', pattern: new RegExp(cat('\\b[A-Z]{4,}(?:\\.md)?,?\\s+', 'sec', 'tions?\\s+\\d')) },
];

/** A Markdown file named in the text (`README.md`, `docs/guarantees.md`, `../../CHANGELOG.md`). */
const MARKDOWN_NAME = /(?<![\w/.-])((?:\.{1,2}\/|[\w-]+\/)*[\w-]+\.md)\b/g;
/** URLs are left alone: what they point at is not in the repository by nature. */
const URL_PATTERN = /\b[a-z][a-z\d+.-]*:\/\/\S+/gi;

interface Repository {
  /** Tracked (and new, not ignored) files, relative to the root, with `/`. */
  files: ReadonlySet<string>;
  /** Their names without folders. */
  names: ReadonlySet<string>;
}

function repository(): Repository {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file !== '' && !file.split('/').includes('node_modules') && existsSync(posix.join(root, file)));
  const files = new Set(listed);
  return { files, names: new Set(listed.map((file) => posix.basename(file))) };
}

/** Whether `name`, written in `file`, is a Markdown file of the repository (by path from the root or from `file`, or by name). */
function isInRepository(name: string, file: string, repo: Repository): boolean {
  if (!name.includes('/')) return repo.names.has(name);
  return [posix.normalize(name), posix.join(posix.dirname(file), name)].some((path) => repo.files.has(path));
}

/** Every line of `text` (the content of `file`) that refers outside the repository, as `file:line: what: the line`. */
function outsideReferences(file: string, text: string, repo: Repository): string[] {
  const found: string[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    const at = (what: string) => found.push(`${file}:${i + 1}: ${what}: ${line.trim().slice(0, 160)}`);
    for (const { what, pattern } of FORBIDDEN) if (pattern.test(line)) at(what);
    for (const [, name] of line.replace(URL_PATTERN, '').matchAll(MARKDOWN_NAME)) {
      if (!isInRepository(name!, file, repo)) at(`a document the repository does not hold (${name})`);
    }
  }
  return found;
}

/** Whether the file's start holds a NUL byte: images and other binaries are not read as text. */
function isBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8_000).includes(0);
}

describe('the repository speaks of itself alone', () => {
  it('no file refers to documents outside it or to tracker numbers', () => {
    const repo = repository();
    expect(repo.files.has('test/unit/self-contained.test.ts')).toBe(true);
    expect(repo.files.has('docs/guarantees.md')).toBe(true);
    const found: string[] = [];
    let read = 0;
    for (const file of repo.files) {
      const bytes = readFileSync(posix.join(root, file));
      if (isBinary(bytes)) continue;
      read++;
      found.push(...outsideReferences(file, bytes.toString('utf8'), repo));
    }
    // Most of the repository is text: a listing that came back nearly empty would make this test pass for nothing.
    expect(read).toBeGreaterThan(100);
    expect(found, 'rewrite each to speak of the repository: the fault matrix in docs/guarantees.md, the targets in BENCHMARKS.md').toEqual([]);
  });

  it('tells each kind of outside reference, and leaves links to other projects and CSS colours alone', () => {
    const repo: Repository = { files: new Set(['README.md', 'docs/guarantees.md', 'test/e2e/faults.spec.ts']), names: new Set(['README.md', 'guarantees.md', 'faults.spec.ts']) };
    const check = (line: string) => outsideReferences('test/e2e/faults.spec.ts', line, repo).map((hit) => hit.split(': ')[1]);
    expect(check(cat('// the rows of ', '..', '/shared/notes.txt'))).toEqual(['a path into a folder beside the repository']);
    expect(check(cat('// see ', '/wo', 'rk/notes.txt'))).toEqual(['an absolute path on the machine it was written on']);
    expect(check(cat('// the target of ', 'Iss', 'ue 5'))).toEqual(['a tracker number']);
    expect(check(cat('// done in ', 'ta', 'sk 12'))).toEqual(['a tracker number']);
    expect(check(cat('// fixed (', 'iss', 'ue #41)'))).toEqual(['a tracker number']);
    expect(check(cat('// the moves of NOTES ', 'sec', 'tion 4'))).toEqual(['a numbered section of a document']);
    expect(check(cat('// as PLAN', '.md says'))).toEqual([cat('a document the repository does not hold (PLAN', '.md)')]);
    expect(check(cat('// see ../../docs/plan', '.md'))).toEqual([cat('a document the repository does not hold (../../docs/plan', '.md)')]);

    expect(check('// see README.md, docs/guarantees.md and ../../docs/guarantees.md')).toEqual([]);
    expect(check('// a Playwright bug (microsoft/playwright#37277), https://github.com/o/r/issues/12 and https://example.com/x/PLAN.md')).toEqual([]);
    expect(check("color: #166534; --tint: #dcfce7;")).toEqual([]);
    expect(check('for (const task of tasks) run(task, 2);')).toEqual([]);
  });
});
