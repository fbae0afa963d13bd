// What size-limit measures (`npx size-limit`; `test/unit/size.test.ts` guards it): each entry bundled by esbuild with
// its dependencies, minified, gzipped.
//
// What loads with an entry (it and its static imports) is measured apart from what it loads later with `import()`
// when a queue is made or a feature is used (the store that the `storage` option picks, the runner and the worker
// pool with comlink; schedules, the service worker link). The last check counts the page with all of its own lazy
// code, so that the total stays visible. croner (cron patterns) and workbox-window (service worker registration) are
// lazy dependencies, left out throughout.

/** An esbuild plugin that leaves every `import()` out of the bundle, as a browser would load it: later, if ever. */
const eagerOnly = {
  name: 'eager-only',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined));
  },
};
const eager = (config) => ({ ...config, plugins: [...(config.plugins ?? []), eagerOnly] });

export default [
  {
    name: 'offthread + offthread/worker',
    path: ['src/index.ts', 'src/worker.ts'],
    gzip: true,
    ignore: ['croner', 'workbox-window'],
    modifyEsbuildConfig: eager,
    limit: '8 kB',
  },
  {
    name: 'offthread (page)',
    path: 'src/index.ts',
    gzip: true,
    ignore: ['croner', 'workbox-window'],
    modifyEsbuildConfig: eager,
  },
  {
    name: 'offthread/worker',
    path: 'src/worker.ts',
    gzip: true,
    modifyEsbuildConfig: eager,
  },
  {
    name: 'offthread (page) with its lazy chunks',
    path: 'src/index.ts',
    gzip: true,
    ignore: ['croner', 'workbox-window'],
  },
];
