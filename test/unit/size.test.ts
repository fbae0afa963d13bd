// The bundle size, measured by size-limit from `.size-limit.mjs`: `offthread` and `offthread/worker`, each bundled
// with its dependencies (comlink, idb), minified by esbuild and gzipped. The first three checks count what loads with
// the entry; what it loads later with import(), when a queue is made or a feature is used (schedules, the service
// worker link, the store the `storage` option picks, the runner and the worker pool), is counted by the last check,
// the page with all of its own lazy code. croner and workbox-window are lazy dependencies, left out throughout.
//
// The TARGET (the bundle target in BENCHMARKS.md, "Targets"): both together ≤ 8 kB gzipped. `.size-limit.mjs` holds that limit, so
// `npx size-limit` (or `npm run size:limit`) tells the truth: today it fails, we are far above it.
// This test is a REGRESSION GUARD only: it allows a little more (2 to 4%) than what was measured when it was
// last set (see GUARD), so that the size cannot creep up unnoticed.
// Lower these numbers as the size comes down; the goal stays the 8 kB target of BENCHMARKS.md.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '../..');

/** Bytes (gzip) each check of `.size-limit.mjs` may reach before this test fails. */
const GUARD: Record<string, number> = {
  // Set when branch `size` was merged with the deferred claims of main, about 3% above what was measured then.
  // The page's (and so the others with it) raised by 250 B (measured 21,305 B) for a closing page that starts no jobs (pagehide), getJob typed
  // by task name, and network jobs that stop waiting for a host that never answers: about 100 B each.
  // Raised by 300 B more (measured 21,584 B) for a fix and two speed-ups: the read floor kept below jobs taken
  // unwritten, with a backstop; retention sweeps deferred to a drain; no quick job lined up behind a long one.
  // Raised by 300 B more (measured 21,929 B) for one job on an idle persisted queue in 3.5 ms instead of 5: a commit
  // that skips the claim when the line is known empty, adds that guess their seq, and claim reads asked at once.
  // Lowered (measured: page 10,437 B, both 16,327 B, page with its lazy chunks 25,172 B) when the stores, the
  // runner and the worker pool (with comlink) moved to chunks that a queue loads with import() when it is made.
  // The lazy total grew by 200 B for the chunks' glue.
  // The lazy total raised by 300 B (measured 25,700 B, page 10,565 B) for runs lined up behind jobs of a few ms
  // (+360 B) and fewer allocations per job on the hot path (+170 B: the pool's run without await, transitions
  // written out whole, ids made as one string).
  // The worker's (and both with it) raised by 150 B (measured: worker 5,980 B, both 16,720 B) for `ctx.fetch`
  // telling a request whose own signal timed out (no answer: retryable) from one the handler aborted (its
  // reason), about 40 B; the worker had 10 B left under its guard.
  // The page's (and both, and the lazy total, with it) raised by 250 B (measured: page 10,817 B, both 16,830 B,
  // the page with its lazy chunks 26,100 B) for the job handle's callbacks, `onCompleted` and `onFailed` (about
  // 100 B), and a runner that starts nothing a claim brings back once it is closing.
  // Raised by about 1 kB each for the page and the worker (measured: page 11,795 B, worker 6,928 B, both 18,755 B,
  // the page with its lazy chunks 27,418 B) for handlers and input at their extremes: errors serialized without
  // trusting what was thrown, results and data checked by a clone where a Proxy hides (and sent one by one when a
  // batch does not clone), coalesced progress, messages on the worker's port and the BroadcastChannel checked
  // by shape, timers of any length, and the limits of durations and times.
  // The page's raised by 100 B (measured: page 11,058 B, both 17,089 B) for stored records found malformed: a
  // corrupt job told through the error event and to what waits for it in every tab, and ERR_STORAGE_NEWER_VERSION.
  // The lazy total raised by 4,100 B (measured 30,355 B), nearly all in the IndexedDB store's chunk: every row it
  // reads is checked (in one straight line: a loop over a table of fields cost 2 µs a row), and a malformed one put
  // aside with a reason naming the field (the reasons are most of it); schedules likewise; the version 2 step that
  // repairs a damaged version 1 database, the check at each open, and an upgrade that waits no longer than 10 s.
  // The three merged (measured: page 12,513 B, worker 6,944 B, both 19,489 B, the page with its lazy chunks 32,163 B).
  // The lazy total raised by 1,100 B (measured 33,120 B; the page 12,570 B) for the runner carved into one policy
  // per module (the executor contract, a run's outcome, the network gate, the owner watch, the runs and their writes,
  // deferred claims, the commit fallback, the due timer, admission policies, one createRunner, the retention sweeper
  // on the injected clock) and the service worker heeding pauses: the glue between them is most of it.
  // The page's lowered by 1,300 B, and both with it by 1,100 B (measured: page 11,121 B, both 18,097 B), when the checks
  // of added jobs and the clone check of data moved to chunks the queue loads with import() as it opens (with the
  // store, which every add waits for): about 1,900 B off the page's first load. The lazy total raised by 1,200 B
  // (measured 32,926 B, 763 B more than at the merge): the queue's carve-out into files of one concern each (the add
  // batcher, the cross-tab relay, the manifest cache, the page lifecycle, the store's recovery, the close gate) cost
  // about 670 B of glue (names of fields and options a minifier keeps), the two chunks about 90 B.
  // The lazy total raised by 500 B (measured 32,763 B), all in the IndexedDB store's chunk: its line and claims, its
  // rows, its commits and its reads each in a module of their own (about 400 B: classes and the parts they are
  // handed), and the mark a transaction leaves on the line for the other contexts, read with each claim.
  // The three carve-outs (runner, queue, store) together, after their merge: page 11,177 B, both 18,170 B, lazy 34,518 B.
  // With the protocol and pool carve-out (checked unpacks of every message, the run statistics, the worker slot),
  // measured after its merge: worker 7,102 B, both 18,311 B, lazy 34,881 B. With promote, changePriority and
  // changeDelay (the facade's methods and the transition's `change`): page 11,395 B, lazy 35,169 B; with createQueue,
  // storageInfo and the change of a job in modules of their own (the facade under 400 lines): page 11,450 B.
  'offthread + offthread/worker': 18_600,
  'offthread (page)': 11_500,
  'offthread/worker': 7_200,
  'offthread (page) with its lazy chunks': 35_400,
};
/** The target in BENCHMARKS.md for the two entries together. */
const TARGET = 8_000;

interface SizeCheck {
  name: string;
  size: number;
  passed?: boolean;
  sizeLimit?: number;
}

/** size-limit's command line, run with this Node; `--json` prints every check's size. */
async function measure(): Promise<SizeCheck[]> {
  const manifest = require.resolve('size-limit/package.json');
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: string | Record<string, string> };
  const cli = join(dirname(manifest), typeof bin === 'string' ? bin : bin['size-limit']!);
  // It exits 1 while the target in `.size-limit.mjs` is missed: the JSON on stdout is what counts here.
  const output = await run(process.execPath, [cli, '--json'], { cwd: root }).catch(
    (error: { stdout?: string; stderr?: string }) => {
      if (!error.stdout?.trim().startsWith('[')) throw new Error(`size-limit failed: ${error.stderr ?? String(error)}`);
      return { stdout: error.stdout };
    },
  );
  return JSON.parse(output.stdout) as SizeCheck[];
}

describe('bundle size (size-limit)', () => {
  it('stays under the regression guard (the goal is 8 kB for both: the target in BENCHMARKS.md)', { timeout: 60_000 }, async () => {
    const checks = await measure();
    expect(checks.map((c) => c.name).sort()).toEqual(Object.keys(GUARD).sort());
    const both = checks.find((c) => c.name === 'offthread + offthread/worker')!;
    // The config carries the target, not the guard.
    expect(both.sizeLimit).toBe(TARGET);
    for (const check of checks) {
      const kB = (bytes: number) => `${(bytes / 1000).toFixed(2)} kB`;
      console.log(`${check.name}: ${kB(check.size)} gzip (guard ${kB(GUARD[check.name]!)}${check.sizeLimit ? `, target ${kB(check.sizeLimit)}` : ''})`);
      expect(check.size, `${check.name}: ${check.size} B gzip`).toBeLessThanOrEqual(GUARD[check.name]!);
    }
  });
});
