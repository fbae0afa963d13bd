// The published package, as npm would publish it: the tarball `npm pack` makes (its `prepack` builds dist/),
// checked with publint and with Are the Types Wrong (attw); and the README's Size section, held to what
// tools/size.mjs measures of that build.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packPackage, repoRoot, type PackedPackage } from '../support/pack';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

/** attw's command line (its `bin`), run with this Node. */
function attwBin(): string {
  const manifest = require.resolve('@arethetypeswrong/cli/package.json');
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: { attw: string } };
  return join(dirname(manifest), bin.attw);
}

/** The fields of attw's problems that say where they are (each kind has some of them). */
interface AttwProblem {
  kind: string;
  entrypoint?: string;
  resolutionKind?: string;
  resolutionOption?: string;
  fileName?: string;
  moduleSpecifier?: string;
}

function describeProblem(problem: AttwProblem): string {
  const where = problem.entrypoint !== undefined ? `entry point "${problem.entrypoint}"` : problem.fileName;
  const how = problem.resolutionKind ?? problem.resolutionOption;
  const what = problem.moduleSpecifier !== undefined ? `, importing "${problem.moduleSpecifier}"` : '';
  return `${problem.kind}: ${where ?? '?'}${what}${how ? ` (${how})` : ''}`;
}

let packed: PackedPackage;
// A folder of this run's own: another run of the suite (another shell, another engineer) may be packing too.
const workDir = join(repoRoot, '.tmp/package-test', `${process.pid}-${Date.now().toString(36)}`);

beforeAll(async () => {
  packed = await packPackage(workDir);
}, 300_000);

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe("the README's Size table", () => {
  // It drifted twice while nobody looked: it must say what `npm run size` (tools/size.mjs) measures of this build.
  it('holds what tools/size.mjs measures of the packed build: each entry minified and gzipped, and each lazy chunk', async () => {
    const { stdout } = await run(process.execPath, ['tools/size.mjs'], { cwd: packed.source });
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8').split('\n');
    const rows: Array<[label: string, row: string]> = [
      ['offthread (page)', '| `offthread` (page) |'],
      ['offthread/worker', '| `offthread/worker` (each worker) |'],
      ['offthread/service-worker', '| `offthread/service-worker` |'],
      ['offthread/dashboard', '| `offthread/dashboard` (optional) |'],
      ['offthread/testing', '| `offthread/testing` (tests only) |'],
      ['offthread/react', '| `offthread/react` (optional) |'],
      ['offthread/vue', '| `offthread/vue` (optional) |'],
    ];
    for (const [label, row] of rows) {
      const measured = new RegExp(`^${label.replace(/[()]/g, '\\$&')} +([\\d.]+ kB) minified +([\\d.]+ kB) gzip`, 'm').exec(stdout);
      expect(measured, `tools/size.mjs printed no line for ${label}:\n${stdout}`).not.toBeNull();
      const line = readme.find((text) => text.startsWith(row));
      expect(line, `README.md has no Size row ${row}`).toBeDefined();
      expect(line!.split('|').slice(-3, -1).map((cell) => cell.trim()), `README's row for ${label} (update it from \`npm run size\`)`).toEqual([
        measured![1],
        measured![2],
      ]);
    }
    // And the paragraph under it, each chunk the page loads later with import() (gzip).
    const text = readme.join(' ').replace(/\s+/g, ' ');
    const phrases: Array<[chunk: string, phrase: (size: string) => string]> = [
      ['idb-job-store', (size) => `IndexedDB ${size} with idb`],
      ['memory-job-store', (size) => `or memory ${size})`],
      ['check-add', (size) => `the checks of added jobs ${size}`],
      ['find-uncloneable', (size) => `the clone check of data ${size}`],
      ['run-engine', (size) => `worker pool with comlink (${size})`],
      ['transition', (size) => `with ${size} of job-state code`],
      ['page-schedules', (size) => `schedules ${size} (the first time`],
      ['croner', (size) => `croner ${size} (cron patterns)`],
      ['service-worker-link', (size) => `service worker link ${size}`],
      ['workbox-window.prod.es5', (size) => `workbox-window ${size} (the`],
    ];
    for (const [chunk, phrase] of phrases) {
      const size = new RegExp(`[:,] ${chunk.replace(/\./g, '\\.')} ([\\d.]+ kB)`).exec(stdout)?.[1];
      expect(size, `tools/size.mjs listed no lazy chunk ${chunk}:\n${stdout}`).toBeDefined();
      expect(text, `README's Size paragraph on ${chunk} (update it from \`npm run size\`)`).toContain(phrase(size!));
    }
  }, 120_000);
});

describe('the packed package', () => {
  it('holds the built entry points, their types, and the docs, and nothing else', () => {
    for (const file of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/index.js', 'dist/index.d.ts', 'dist/worker.js', 'dist/worker.d.ts', 'dist/service-worker.js', 'dist/service-worker.d.ts', 'dist/dashboard.js', 'dist/dashboard.d.ts', 'dist/testing.js', 'dist/testing.d.ts', 'dist/react.js', 'dist/react.d.ts', 'dist/vue.js', 'dist/vue.d.ts', 'dist/bullmq.js', 'dist/bullmq.d.ts']) {
      expect(packed.files).toContain(file);
    }
    const outsideDist = packed.files.filter((file) => file.includes('/') && !file.startsWith('dist/'));
    expect(outsideDist).toEqual([]);
    // Internal modules are shipped only as declarations (the JavaScript is bundled into the entries).
    const sources = packed.files.filter((file) => /\.(ts|tsx|mts)$/.test(file) && !file.endsWith('.d.ts'));
    expect(sources).toEqual([]);
  });

  it('is clean under publint (errors and warnings)', async () => {
    const tarball = readFileSync(packed.tarball);
    const { messages, pkg } = await publint({
      pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
      level: 'warning',
      strict: true,
    });
    const shown = messages.map((message) => `${message.type}: ${formatMessage(message, pkg, { color: false }) ?? message.code}`);
    expect(shown).toEqual([]);
  }, 60_000);

  // ESM-only on purpose (a browser library has no CommonJS build), so attw runs with its `esm-only` profile:
  // it ignores `node10` (no `exports` support) and `node16` from CommonJS (`require` of an ES module), and
  // checks `node16` from ESM and `bundler` for every entry point.
  it('has types that resolve for every entry point under node16 (ESM) and bundler resolution (attw --profile esm-only)', async () => {
    let stdout: string;
    let stderr: string;
    let exitCode: number | string = 0;
    try {
      ({ stdout, stderr } = await run(process.execPath, [attwBin(), packed.tarball, '--profile', 'esm-only', '--format', 'json'], {
        maxBuffer: 64 * 1024 * 1024,
      }));
    } catch (error) {
      ({ stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string });
      const { code, signal } = error as { code?: number | null; signal?: string | null };
      exitCode = code ?? signal ?? 'unknown';
    }
    let report: {
      analysis: { entrypoints: Record<string, unknown>; types: { kind: string } };
      problems?: Record<string, AttwProblem[]>;
    };
    try {
      report = JSON.parse(stdout) as typeof report;
    } catch {
      throw new Error(`attw printed no JSON report (exit ${exitCode}):\n${stderr}\n${stdout}`);
    }
    expect(report.analysis.types.kind).toBe('included');
    expect(Object.keys(report.analysis.entrypoints).sort()).toEqual(['.', './bullmq', './dashboard', './package.json', './react', './service-worker', './testing', './vue', './worker']);
    const ignored = new Set(['node10', 'node16-cjs']);
    const problems = Object.values(report.problems ?? {})
      .flat()
      .filter((problem) => !problem.resolutionKind || !ignored.has(problem.resolutionKind))
      .map(describeProblem);
    expect(problems).toEqual([]);
    expect(exitCode).toBe(0);
  }, 120_000);
});
