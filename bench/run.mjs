#!/usr/bin/env node
// The benchmark suite: offthread against raw postMessage, comlink, workerpool (and threads.js), in one real
// Chromium session, each scenario judged against the project's targets (BENCHMARKS.md, "Targets").
//
//   npm run bench                 full run (half an hour on 2 cores)
//   npm run bench -- --quick      a few minutes
//   options: --only A,C (scenarios)  --rounds N  --jobs N (B, D)  --sizes 1000,100000 (F)  --bytes N (E)
//            --contenders raw,comlink,... (or add comlink-cached)  --profile (CPU and allocation profiles of
//            extra offthread samples (A to E), saved next to the results; what they show of each missed target goes
//            to BENCHMARKS.md)  --wait-quiet (wait for the load to drop first)
//            --write-benchmarks (rewrite BENCHMARKS.md from this run)  --markdown-only (rewrite it from latest.json)
//
// It builds the bench page (bench/vite.config.ts, offthread from ../src), serves it on 127.0.0.1 with
// COOP/COEP (cross-origin isolated: performance.now() at 5 µs), launches Chromium headless with a
// PERSISTENT profile in a temp dir (an off-the-record context would keep IndexedDB in memory), and runs
// every contender in that one browser, round by round, in an order that rotates each round. Everything is
// timed inside the page; a forced GC (CDP) precedes each sample. Prints one table per scenario and writes
// the raw samples, versions and machine to bench/results/latest.json.
//
// This file is the entry; the rest is split by concern:
//   harness/    options.mjs (the command line), session.mjs (build, serve, launch; the samples taken in the page),
//               cpu-clock.mjs (CPU time per thread from /proc), machine-load.mjs, profile.mjs (--profile), paths.mjs
//   scenarios/  one module per scenario, A to F, and bundle.mjs (size-limit): each runs, prints its table and judges its targets
//   report/     statistics.mjs, format.mjs (numbers and tables), transcript.mjs (what is printed, kept; the verdicts),
//               results.mjs (latest.json), benchmarks-markdown.mjs (BENCHMARKS.md)
import process from 'node:process';
import { waitForQuietMachine } from './harness/machine-load.mjs';
import { parseOptions, USAGE } from './harness/options.mjs';
import { profile } from './harness/profile.mjs';
import { launchBench, openSession, poolContendersOf } from './harness/session.mjs';
import { summaryLines, writeBenchmarks } from './report/benchmarks-markdown.mjs';
import { mb } from './report/format.mjs';
import { readResults, runResults, saveResults } from './report/results.mjs';
import { print, startTranscript } from './report/transcript.mjs';
import { scenarioA } from './scenarios/a-round-trip.mjs';
import { scenarioB } from './scenarios/b-tiny-jobs.mjs';
import { measureBundle } from './scenarios/bundle.mjs';
import { scenarioC } from './scenarios/c-compute.mjs';
import { scenarioD } from './scenarios/d-persisted.mjs';
import { scenarioE } from './scenarios/e-big-buffer.mjs';
import { scenarioF } from './scenarios/f-stored-jobs.mjs';

/** The scenarios by letter, in the order they run. */
const SCENARIOS = { A: scenarioA, B: scenarioB, C: scenarioC, D: scenarioD, E: scenarioE, F: scenarioF };

const options = parseOptions(process.argv.slice(2));
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
// Other processes on a small machine skew everything.
if (options.waitQuiet) await waitForQuietMachine();

// Everything printed from here on is also kept, for BENCHMARKS.md (`--write-benchmarks`).
startTranscript();

if (options.markdownOnly) {
  // BENCHMARKS.md again from the last run's results (after a change to its template), without running anything.
  writeBenchmarks(readResults());
  print('wrote BENCHMARKS.md from bench/results/latest.json');
  process.exit(0);
}

const started = Date.now();
console.log(`offthread bench (${options.quick ? 'quick' : 'full'}): building the bench page...`);
const browser = await launchBench();
let exitCode = 0;
try {
  const session = await openSession(browser);
  const { poolContenders, threadsNote } = await poolContendersOf(session, options.contenderFilter);
  const results = {};
  const profiles = [];
  /** The page's V8 heap after a forced GC, at the start and after each scenario (all its queues closed). */
  const heapAfter = { start: await session.heapUsed() };
  /** What a scenario is given: the page's calls and samples, the run's options, and where its results go. */
  const bench = {
    ...session,
    browser,
    P: options.P,
    quick: options.quick,
    profiling: options.profiling,
    eBytes: options.eBytes,
    poolContenders,
    results,
    heapAfter,
    profile: (name, run, options) => profile(session.cdp, profiles, name, run, options),
  };
  for (const [id, scenario] of Object.entries(SCENARIOS)) if (options.only.has(id)) await scenario(bench);

  // Every queue and pool of a scenario is closed at its end: what the page's heap still holds was kept alive.
  console.log(
    `\nPage heap after a forced GC, at the start and after each scenario (A to E share the page; all their queues and pools closed): ${Object.entries(heapAfter)
      .map(([k, v]) => `${k} ${mb(v)}`)
      .join(', ')}`,
  );

  const bundle = measureBundle();

  if (session.pageErrors.length > 0) console.log(`\npage errors (${session.pageErrors.length}): ${session.pageErrors.slice(0, 5).join(' | ')}`);

  const output = runResults({ options, started, session, threadsNote, heapAfter, bundle, profiles, scenarios: results });
  saveResults(output);
  // Printed, not kept in the transcript: BENCHMARKS.md ends its tables with them, made again from the results.
  for (const line of summaryLines(output)) print(line);
  if (options.writeBenchmarks) {
    writeBenchmarks(output);
    print('wrote BENCHMARKS.md');
  }
} catch (error) {
  console.error(`\nbench failed: ${error.stack ?? error}`);
  exitCode = 1;
} finally {
  await browser.close();
}
process.exit(exitCode);
