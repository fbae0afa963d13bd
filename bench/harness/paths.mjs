// Where the bench harness finds its page's build config and the repository, and where it writes results.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/ */
export const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The repository's root. */
export const root = resolve(benchDir, '..');
/** The Vite config of the bench page (bench/index.html + bench/page/). */
export const configFile = join(benchDir, 'vite.config.ts');
/** bench/results: latest.json, and the profiles of `--profile`. */
export const resultsDir = join(benchDir, 'results');
