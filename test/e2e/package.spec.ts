// The README's example, run as written: the package is packed (`npm pack`, whose `prepack` builds it), installed
// from the tarball into a fresh Vite app, the README's example files are written into that app as the README
// gives them (each code block marked `<!-- file: PATH -->`), and the app is built and opened in Chromium.
// A second test type-checks a wrong payload against the installed package's declarations.
//
// This spec does not use the demo server of playwright.config.ts: it serves its own app, on a port the system
// gives (so that two runs at once, or another server, do not collide), from a folder of this run's own.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { freePort } from '../support/free-port';
import { packPackage, repoRoot } from '../support/pack';

const run = promisify(execFile);

// Kept after a failure, to look into; removed after a pass.
const WORK_DIR = join(repoRoot, '.tmp/e2e-package', `${process.pid}-${Date.now().toString(36)}`);
const APP_DIR = join(WORK_DIR, 'app');
let appUrl = '';

/** The files the README's example must give, and what its page shows once the job is done. */
const EXAMPLE_FILES = ['src/tasks.ts', 'src/tasks.worker.ts', 'src/main.ts'];
const EXPECTED_TEXT = 'fib(30) = 832040';
const EXPECTED_LOG = '832040';

/** The second page: a memory queue with an interval and a cron schedule, and a queue given a service worker. */
const LAZY_PAGE = `import { createQueue } from 'offthread';
import type { Tasks } from './tasks';

const worker = () => new Worker(new URL('./tasks.worker.ts', import.meta.url), { type: 'module' });
const memory = createQueue<Tasks>({ name: 'lazy-memory', storage: 'memory', worker });
const slot = new Promise<string>((resolve) => memory.on('completed', ({ job, result }) => resolve(\`\${job.id.split('@')[0]} \${String(result)}\`)));
await memory.schedule('tick', { every: 1_000 }, { name: 'fib', data: 10 });
const nightly = await memory.schedule('nightly', { cron: '0 3 * * *' }, { name: 'fib', data: 1 });
const linked = createQueue<Tasks>({ name: 'lazy-sw', worker, serviceWorker: '/sw.js' });
const registration = await linked.serviceWorkerRegistration;
document.body.textContent = \`\${await slot}; cron \${nightly.nextRunAt > Date.now()}; sw \${registration !== undefined}\`;
`;
const LAZY_TEXT = 'tick 55; cron true; sw true';
/** The chunks the second page loads that the README's page must not (their names come from the package's modules). */
const LAZY_CHUNKS = /memory-job-store|page-schedules|service-worker-link|croner|workbox-window/;

/** `<!-- file: PATH -->` followed by a fenced code block: the README's example files. */
function readmeFiles(markdown: string): Map<string, string> {
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
async function sh(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout + stderr;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`\`${[command, ...args].join(' ')}\` failed in ${relative(repoRoot, cwd)}:\n${stdout}\n${stderr}`, { cause: error });
  }
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
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

let server: ChildProcess | undefined;
let failed = false;
const timings: Record<string, number> = {};

async function timed<T>(label: string, step: () => Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    return await step();
  } finally {
    timings[label] = Date.now() - start;
  }
}

test.beforeAll(async () => {
  // Packing, a fresh `npm install` and a production build: minutes on a cold npm cache, seconds on a warm one.
  test.setTimeout(600_000);
  failed = true; // until the setup is done

  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const files = readmeFiles(readme);
  expect([...files.keys()], 'the README marks its example files with <!-- file: PATH --> before each code block').toEqual(
    expect.arrayContaining(EXAMPLE_FILES),
  );

  const packed = await timed('build and npm pack', () => packPackage(join(WORK_DIR, 'pack')));

  const viteVersion = (JSON.parse(readFileSync(join(repoRoot, 'node_modules/vite/package.json'), 'utf8')) as { version: string }).version;
  write(
    join(APP_DIR, 'package.json'),
    `${JSON.stringify(
      {
        name: 'offthread-readme-example',
        private: true,
        type: 'module',
        scripts: { dev: 'vite', build: 'vite build', preview: 'vite preview' },
        dependencies: { offthread: `file:${relative(APP_DIR, packed.tarball)}` },
        devDependencies: { vite: viteVersion },
      },
      null,
      2,
    )}\n`,
  );
  // What `npm create vite -- --template vanilla-ts` gives, less its demo code: the README's files replace that.
  write(
    join(APP_DIR, 'index.html'),
    '<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="UTF-8" />\n    <title>offthread example</title>\n  </head>\n' +
      '  <body>\n    <div id="app"></div>\n    <script type="module" src="/src/main.ts"></script>\n  </body>\n</html>\n',
  );
  for (const [path, code] of files) write(join(APP_DIR, path), code);
  // A second page, for what the package loads with import() only when a feature is used: the memory store,
  // schedules (and croner for a cron pattern), the service worker link (and workbox-window).
  write(join(APP_DIR, 'lazy.html'), '<!doctype html>\n<html lang="en">\n  <body>\n    <script type="module" src="/src/lazy.ts"></script>\n  </body>\n</html>\n');
  write(join(APP_DIR, 'src/lazy.ts'), LAZY_PAGE);
  write(join(APP_DIR, 'public/sw.js'), '// A service worker that does nothing: the page only registers it.\n');
  write(
    join(APP_DIR, 'vite.config.js'),
    "import { defineConfig } from 'vite';\n\nexport default defineConfig({ build: { rolldownOptions: { input: ['index.html', 'lazy.html'] } } });\n",
  );

  await timed('npm install', () => sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], APP_DIR));
  await timed('vite build', () => sh('npx', ['vite', 'build'], APP_DIR));

  const port = await freePort();
  appUrl = `http://127.0.0.1:${port}/`;
  let output = '';
  server = spawn('npx', ['vite', 'preview', '--port', String(port), '--strictPort', '--host', '127.0.0.1'], {
    cwd: APP_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that stopping it also stops the `vite` that `npx` starts.
    detached: true,
  });
  server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await timed('vite preview start', () => waitForServer(server!, appUrl, () => output, 30_000));
  failed = false;
  console.log(`package e2e setup: ${Object.entries(timings).map(([label, ms]) => `${label} ${(ms / 1000).toFixed(1)}s`).join(', ')}`);
});

test.afterEach(({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) failed = true;
});

test.afterAll(async () => {
  const child = server;
  server = undefined;
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(-child.pid, 'SIGTERM'); // the group started above: npx and the vite it runs
    } catch {
      child.kill('SIGTERM');
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  }
  if (failed) console.log(`package e2e: kept ${relative(repoRoot, WORK_DIR)} to look into`);
  else rmSync(WORK_DIR, { recursive: true, force: true });
});

test('the README example, installed from the packed package into a fresh Vite app, shows its result', async ({ page }) => {
  const logs: string[] = [];
  const errors: string[] = [];
  page.on('console', (message) => logs.push(message.text()));
  page.on('pageerror', (error) => errors.push(error.message));

  await page.goto(appUrl);
  try {
    await expect(page.locator('body')).toHaveText(EXPECTED_TEXT, { timeout: 15_000 });
  } catch (error) {
    // Say what the page said, which is what tells why the job did not finish.
    const seen = [...logs.map((text) => `console: ${text}`), ...errors.map((text) => `page error: ${text}`)];
    throw new Error(`${(error as Error).message}\n\nThe page logged:\n${seen.join('\n') || '(nothing)'}`, { cause: error });
  }
  expect(logs).toContain(EXPECTED_LOG);
  // It ran on a module worker built from the README's tasks.worker.ts.
  expect(page.workers().map((worker) => worker.url())).toEqual(expect.arrayContaining([expect.stringMatching(/tasks\.worker[^/]*\.js$/)]));
  expect(errors).toEqual([]);
});

test('what the package loads lazily comes from the installed package only on the page that uses it', async ({ page }) => {
  const errors: string[] = [];
  const scripts: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => {
    if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
  });
  await page.goto(appUrl);
  await expect(page.locator('body')).toHaveText(EXPECTED_TEXT, { timeout: 15_000 });
  expect(scripts.filter((path) => LAZY_CHUNKS.test(path))).toEqual([]);

  await page.goto(new URL('lazy.html', appUrl).href);
  await expect(page.locator('body')).toHaveText(LAZY_TEXT, { timeout: 15_000 });
  const loaded = scripts.filter((path) => LAZY_CHUNKS.test(path)).map((path) => path.match(LAZY_CHUNKS)![0]);
  expect(new Set(loaded)).toEqual(new Set(['memory-job-store', 'page-schedules', 'service-worker-link', 'croner', 'workbox-window']));
  expect(errors).toEqual([]);
});

test("the installed package's types reject a wrong payload, task name and result type", async () => {
  test.setTimeout(60_000);
  // The tsconfig of `npm create vite -- --template vanilla-ts`.
  write(
    join(APP_DIR, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          useDefineForClassFields: true,
          module: 'ESNext',
          lib: ['ES2022', 'DOM', 'DOM.Iterable'],
          types: ['vite/client'],
          skipLibCheck: true,
          moduleResolution: 'bundler',
          allowImportingTsExtensions: true,
          verbatimModuleSyntax: true,
          moduleDetection: 'force',
          noEmit: true,
          strict: true,
          noUnusedLocals: true,
          noUnusedParameters: true,
          erasableSyntaxOnly: true,
          noFallthroughCasesInSwitch: true,
          noUncheckedSideEffectImports: true,
        },
        include: ['src'],
      },
      null,
      2,
    )}\n`,
  );
  // Each `@ts-expect-error` must meet an error, or tsc fails ("Unused '@ts-expect-error' directive"): so this
  // passes only if the package's types reach the page and check names, payloads and results.
  write(
    join(APP_DIR, 'src/wrong-calls.ts'),
    `import { createQueue } from 'offthread';
import type { Tasks } from './tasks';

const queue = createQueue<Tasks>({
  name: 'type-check',
  worker: () => new Worker(new URL('./tasks.worker.ts', import.meta.url), { type: 'module' }),
});

export async function wrongCalls(): Promise<unknown[]> {
  // @ts-expect-error fib takes a number, not a string
  const job = await queue.add('fib', '30');
  // @ts-expect-error there is no task named fibo
  const unknownTask = await queue.add('fibo', 30);
  // @ts-expect-error fib needs its payload
  const noData = await queue.add('fib');
  const value: number = await queue.run('fib', 30);
  // @ts-expect-error fib resolves with a number
  const text: string = await job.result;
  return [job, unknownTask, noData, value, text];
}
`,
  );
  const tsc = join(repoRoot, 'node_modules/.bin/tsc');
  expect(await sh(tsc, ['-p', 'tsconfig.json', '--pretty', 'false'], APP_DIR)).toBe('');
  // Again with the package's own declarations checked too, as in projects that turn skipLibCheck off.
  expect(await sh(tsc, ['-p', 'tsconfig.json', '--pretty', 'false', '--skipLibCheck', 'false'], APP_DIR)).toBe('');
});
