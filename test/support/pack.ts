// Makes the package's tarball as `npm publish` would, for the package tests (test/unit/package.test.ts,
// test/e2e/package.spec.ts), without touching the repository's own dist/.
//
// The working tree (less node_modules, dist and run artefacts) is copied to `<workDir>/source`, with
// node_modules linked in, and `npm pack` runs there: its `prepack` script builds dist/ from scratch, so the
// tarball is what a clean checkout publishes. Packing in place would rebuild the repository's dist/, which
// the demo build (`vite build`, also into dist/) and other work in the tree write too.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository's root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Top-level entries of the working tree that are not the package's source. */
const NOT_COPIED = new Set(['node_modules', '.git', '.tmp', 'dist', 'test-results', 'playwright-report', '.vitest']);

export interface PackedPackage {
  /** Absolute path of the `.tgz`. */
  tarball: string;
  /** What `npm pack --json` said about it. */
  files: string[];
  /** Bytes of the tarball. */
  size: number;
  /** How long the build and pack took, in milliseconds. */
  ms: number;
  /** The copy of the working tree it was packed from, with its dist/ built and node_modules linked. */
  source: string;
}

/** Builds and packs the package into `workDir` (emptied first). */
export async function packPackage(workDir: string): Promise<PackedPackage> {
  const start = Date.now();
  rmSync(workDir, { recursive: true, force: true });
  const source = join(workDir, 'source');
  mkdirSync(source, { recursive: true });
  for (const entry of readdirSync(repoRoot)) {
    if (NOT_COPIED.has(entry) || entry.endsWith('.tgz')) continue;
    cpSync(join(repoRoot, entry), join(source, entry), { recursive: true });
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(source, 'node_modules'), 'dir');

  let stdout: string;
  try {
    ({ stdout } = await run('npm', ['pack', '--json', '--pack-destination', workDir], {
      cwd: source,
      maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (error) {
    const { stdout: out = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`\`npm pack\` (with its prepack build) failed in ${source}:\n${out}\n${stderr}`, { cause: error });
  }
  // `--json` prints the JSON last; the prepack build's own output comes before it.
  const json = stdout.slice(stdout.lastIndexOf('\n[') + 1);
  const [info] = JSON.parse(json) as Array<{ filename: string; size: number; files: Array<{ path: string }> }>;
  if (!info) throw new Error(`\`npm pack --json\` printed no package:\n${stdout}`);
  return {
    tarball: join(workDir, basename(info.filename)),
    files: info.files.map((file) => file.path).sort(),
    size: info.size,
    ms: Date.now() - start,
    source,
  };
}
