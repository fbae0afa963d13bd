// `import()` is not allowed in a service worker: nothing the service worker entry imports (statically, the only
// way it imports) may hold one. What the page loads lazily, the service worker must import statically.
import { build } from 'esbuild';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

describe('the service worker entry', () => {
  it('imports no module that holds an import()', async () => {
    const { metafile } = await build({
      entryPoints: [join(root, 'src/service-worker.ts')],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      logLevel: 'silent',
      // Dependencies are looked at too (croner, idb, comlink): only workbox-window and uplot are the page's.
      external: ['workbox-window', 'uplot'],
    });
    // Walk the static imports from the entry; collect the dynamic ones met on the way.
    const entry = Object.keys(metafile.inputs).find((path) => path.endsWith('src/service-worker.ts'))!;
    const seen = new Set<string>();
    const dynamic: string[] = [];
    const visit = (path: string) => {
      if (seen.has(path) || !metafile.inputs[path]) return;
      seen.add(path);
      for (const edge of metafile.inputs[path].imports) {
        if (edge.kind === 'dynamic-import') dynamic.push(`${path} imports ${edge.original ?? edge.path}`);
        else if (edge.kind === 'import-statement') visit(edge.path);
      }
    };
    visit(entry);
    expect(seen.size).toBeGreaterThan(10);
    expect(dynamic).toEqual([]);
  });
});
