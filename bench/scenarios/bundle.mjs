// The bundle: what size-limit measures from .size-limit.mjs (each entry minified and gzipped with its
// dependencies), against the bundle target.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { root } from '../harness/paths.mjs';
import { explain } from '../report/diagnosis.mjs';
import { printTable } from '../report/format.mjs';
import { target } from '../report/transcript.mjs';

/** Runs size-limit, prints its table and the bundle target; returns its checks (undefined if it gave none). */
export function measureBundle() {
  let bundle;
  const manifest = JSON.parse(readFileSync(join(root, 'node_modules/size-limit/package.json'), 'utf8'));
  const cli = join(root, 'node_modules/size-limit', typeof manifest.bin === 'string' ? manifest.bin : manifest.bin['size-limit']);
  let out;
  try {
    out = execFileSync(process.execPath, [cli, '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (error) {
    out = error.stdout; // exits 1 while a limit is exceeded
  }
  try {
    bundle = JSON.parse(out);
    printTable(
      'Bundle: minified + gzipped with dependencies (size-limit, .size-limit.mjs; what loads with each entry, its import() chunks apart; croner and workbox-window load lazily and are left out)',
      ['entry', 'gzip', 'limit'],
      bundle.map((c) => [c.name, `${(c.size / 1000).toFixed(2)} kB`, c.sizeLimit ? `${(c.sizeLimit / 1000).toFixed(2)} kB` : '']),
    );
    const kB = (c) => `${(c.size / 1000).toFixed(2)} kB`;
    const both = bundle.find((c) => c.sizeLimit !== undefined);
    if (both) target('bundle', 'offthread + offthread/worker ≤ 8 kB gzipped', kB(both), both.size <= 8000, both.size, 'bundle');
    const page = bundle.find((c) => c.name === 'offthread (page)');
    if (page) target('bundle', 'the page\'s eager entry, offthread (page), ≤ 6 kB gzipped (the rest loaded when used)', kB(page), page.size <= 6000, page.size, 'bundle-page');
    const sizes = `size-limit's entries: ${bundle.map((c) => `${c.name} ${kB(c)}`).join(', ')}`;
    explain('bundle', [sizes]);
    explain('bundle-page', [sizes]);
  } catch {
    console.log(`\nBundle: size-limit gave no result`);
  }
  return bundle;
}
