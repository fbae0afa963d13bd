// The README's example, run as written: the package is packed (`npm pack`, whose `prepack` builds it), installed
// from the tarball into a fresh Vite app, the README's example files are written into that app as the README
// gives them (each code block marked `<!-- file: PATH -->`), and the app is built and opened in Chromium.
// A second test type-checks a wrong payload against the installed package's declarations.
//
// This spec does not use the demo server of playwright.config.ts: it serves its own app, on a port the system
// gives (so that two runs at once, or another server, do not collide), from a folder of this run's own.
import { readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, test } from '@playwright/test';
import { repoRoot } from '../support/pack';
import { buildReadmeApp, EXAMPLE_FILES, EXPECTED_LOG, EXPECTED_TEXT, readmeFiles, serveApp, sh, write, type ServedApp } from '../support/readme-app';

// Kept after a failure, to look into; removed after a pass.
const WORK_DIR = join(repoRoot, '.tmp/e2e-package', `${process.pid}-${Date.now().toString(36)}`);
const APP_DIR = join(WORK_DIR, 'app');
let appUrl = '';

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

let server: ServedApp | undefined;
let failed = false;
const timings: Record<string, number> = {};

test.beforeAll(async () => {
  // Packing, a fresh `npm install` and a production build: minutes on a cold npm cache, seconds on a warm one.
  test.setTimeout(600_000);
  failed = true; // until the setup is done

  const files = readmeFiles(readFileSync(join(repoRoot, 'README.md'), 'utf8'));
  expect([...files.keys()], 'the README marks its example files with <!-- file: PATH --> before each code block').toEqual(
    expect.arrayContaining(EXAMPLE_FILES),
  );
  // A second page, for what the package loads with import() only when a feature is used: the memory store,
  // schedules (and croner for a cron pattern), the service worker link (and workbox-window).
  await buildReadmeApp(
    WORK_DIR,
    APP_DIR,
    {
      'lazy.html': '<!doctype html>\n<html lang="en">\n  <body>\n    <script type="module" src="/src/lazy.ts"></script>\n  </body>\n</html>\n',
      'src/lazy.ts': LAZY_PAGE,
      'public/sw.js': '// A service worker that does nothing: the page only registers it.\n',
      'vite.config.js': "import { defineConfig } from 'vite';\n\nexport default defineConfig({ build: { rolldownOptions: { input: ['index.html', 'lazy.html'] } } });\n",
    },
    timings,
  );
  const start = Date.now();
  server = await serveApp(APP_DIR);
  timings['vite preview start'] = Date.now() - start;
  appUrl = server.url;
  failed = false;
  console.log(`package e2e setup: ${Object.entries(timings).map(([label, ms]) => `${label} ${(ms / 1000).toFixed(1)}s`).join(', ')}`);
});

test.afterEach(({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) failed = true;
});

test.afterAll(async () => {
  await server?.stop();
  server = undefined;
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
