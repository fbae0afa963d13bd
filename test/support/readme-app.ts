// The README's example as a user's app: the package packed (`npm pack`, whose `prepack` builds it), installed
// from the tarball into a fresh Vite app, the README's example files written into that app as the README gives
// them (each code block marked `<!-- file: PATH -->`), built with `vite build` and served with `vite preview` on
// a port the system gives. Used by the package tests of each engine (test/e2e/package.spec.ts in Chromium,
// test/e2e-webkit/package.test.ts in WebKit).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';
import { packPackage, repoRoot } from './pack';

const run = promisify(execFile);

/** The files the README's example must give, and what its page shows once the job is done. */
export const EXAMPLE_FILES = ['src/tasks.ts', 'src/tasks.worker.ts', 'src/main.ts'];
export const EXPECTED_TEXT = 'fib(30) = 832040';
export const EXPECTED_LOG = '832040';

/** `<!-- file: PATH -->` followed by a fenced code block: the README's example files. */
export function readmeFiles(markdown: string): Map<string, string> {
  const files = new Map<string, string>();
  const marked = /<!--\s*file:\s*(\S+)\s*-->\s*\n(`{3,})[^\n]*\n([\s\S]*?)\n\2[ \t]*(?:\n|$)/g;
  for (const [, path, , code] of markdown.matchAll(marked)) {
    if (!path || code === undefined) continue;
    if (files.has(path)) throw new Error(`README.md gives ${path} twice`);
    files.set(path, `${code}\n`);
  }
  return files;
}

/** Runs a command, failing with its output when it fails. */
export async function sh(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout + stderr;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`\`${[command, ...args].join(' ')}\` failed in ${relative(repoRoot, cwd)}:\n${stdout}\n${stderr}`, { cause: error });
  }
}

export function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/**
 * Packs the package into `<workDir>/pack` and makes the README's app in `appDir` from it: installed, with the
 * README's files and `extraFiles` (paths in the app) written, then built. `timings` gets each step's milliseconds.
 * Fails if the README does not mark its example files.
 */
export async function buildReadmeApp(workDir: string, appDir: string, extraFiles: Record<string, string> = {}, timings: Record<string, number> = {}): Promise<void> {
  const timed = async <T>(label: string, step: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    try {
      return await step();
    } finally {
      timings[label] = Date.now() - start;
    }
  };
  const files = readmeFiles(readFileSync(join(repoRoot, 'README.md'), 'utf8'));
  const missing = EXAMPLE_FILES.filter((path) => !files.has(path));
  if (missing.length > 0) throw new Error(`the README marks its example files with <!-- file: PATH --> before each code block; missing: ${missing.join(', ')}`);

  const packed = await timed('build and npm pack', () => packPackage(join(workDir, 'pack')));
  const viteVersion = (JSON.parse(readFileSync(join(repoRoot, 'node_modules/vite/package.json'), 'utf8')) as { version: string }).version;
  write(
    join(appDir, 'package.json'),
    `${JSON.stringify(
      {
        name: 'offthread-readme-example',
        private: true,
        type: 'module',
        scripts: { dev: 'vite', build: 'vite build', preview: 'vite preview' },
        dependencies: { offthread: `file:${relative(appDir, packed.tarball)}` },
        devDependencies: { vite: viteVersion },
      },
      null,
      2,
    )}\n`,
  );
  // What `npm create vite -- --template vanilla-ts` gives, less its demo code: the README's files replace that.
  write(
    join(appDir, 'index.html'),
    '<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="UTF-8" />\n    <title>offthread example</title>\n  </head>\n' +
      '  <body>\n    <div id="app"></div>\n    <script type="module" src="/src/main.ts"></script>\n  </body>\n</html>\n',
  );
  for (const [path, code] of files) write(join(appDir, path), code);
  for (const [path, text] of Object.entries(extraFiles)) write(join(appDir, path), text);

  await timed('npm install', () => sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], appDir));
  await timed('vite build', () => sh('npx', ['vite', 'build'], appDir));
}

/** Resolves once `url` answers; rejects if `server` exits first or `ms` pass. */
async function waitForServer(server: ChildProcess, url: string, output: () => string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`vite preview exited (${server.exitCode ?? server.signalCode}) before serving ${url}:\n${output()}`);
    }
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`vite preview did not serve ${url} within ${ms} ms:\n${output()}`);
}

/** A built app served by `vite preview`. */
export interface ServedApp {
  /** http://127.0.0.1:PORT/ */
  url: string;
  stop(): Promise<void>;
}

/** Serves the built app in `appDir` with `vite preview` on a free port; resolves once it answers. */
export async function serveApp(appDir: string): Promise<ServedApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  let output = '';
  const server = spawn('npx', ['vite', 'preview', '--port', String(port), '--strictPort', '--host', '127.0.0.1'], {
    cwd: appDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that stopping it also stops the `vite` that `npx` starts.
    detached: true,
  });
  server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (!server.pid || server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    try {
      process.kill(-server.pid, 'SIGTERM'); // the group started above: npx and the vite it runs
    } catch {
      server.kill('SIGTERM');
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  };
  try {
    await waitForServer(server, url, () => output, 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}
