// Bundles a TypeScript module for plain Node (this Node runs no TypeScript by itself): the BullMQ tests'
// child processes and the bridge benchmark import offthread/bullmq from ../src this way. Packages (bullmq,
// ioredis) stay imports, resolved from the repository's node_modules.
//
//   import { bundleForNode } from './scripts/node-bundle.mjs'
//   const file = await bundleForNode('test/bullmq/fixtures/serve-child.ts', '.tmp/bullmq')   // -> .tmp/bullmq/serve-child.mjs
import { basename, extname, join, resolve } from 'node:path';
import { build } from 'vite';

const root = resolve(import.meta.dirname, '..');

/** Bundles `entry` (relative to the repository) into `outDir`; resolves with the path of the `.mjs` written. */
export async function bundleForNode(entry, outDir) {
  const name = basename(entry, extname(entry));
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    build: {
      ssr: resolve(root, entry),
      outDir: resolve(root, outDir),
      emptyOutDir: false,
      target: 'node20',
      minify: false,
      rolldownOptions: { output: { entryFileNames: `${name}.mjs`, format: 'es' } },
    },
  });
  return join(resolve(root, outDir), `${name}.mjs`);
}
