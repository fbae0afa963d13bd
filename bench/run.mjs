#!/usr/bin/env node
// The benchmark suite: offthread against raw postMessage, comlink, workerpool (and threads.js), in one real
// Chromium session, each scenario judged against the project's targets (BENCHMARKS.md, "Targets").
//
//   npm run bench                 full run (half an hour on 2 cores)
//   npm run bench -- --quick      a few minutes
//   options: --only A,C (scenarios)  --rounds N  --jobs N (B, D)  --sizes 1000,100000 (F)  --bytes N (E)
//            --contenders raw,comlink,... (or add comlink-cached)  --profile (CPU and allocation profiles of
//            extra offthread samples (A, B, D, E), saved next to the results)  --wait-quiet (wait for the load to drop first)
//            --write-benchmarks (rewrite BENCHMARKS.md from this run)  --markdown-only (rewrite it from latest.json)
//
// It builds the bench page (bench/vite.config.ts, offthread from ../src), serves it on 127.0.0.1 with
// COOP/COEP (cross-origin isolated: performance.now() at 5 µs), launches Chromium headless with a
// PERSISTENT profile in a temp dir (an off-the-record context would keep IndexedDB in memory), and runs
// every contender in that one browser, round by round, in an order that rotates each round. Everything is
// timed inside the page; a forced GC (CDP) precedes each sample. Prints one table per scenario and writes
// the raw samples, versions and machine to bench/results/latest.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { build, preview } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const configFile = join(here, 'vite.config.ts');
const resultsDir = join(here, 'results');
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// ------------------------------------------------------------------ options

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
if (flag('-h') || flag('--help')) {
  console.log('usage: npm run bench [-- --quick] [--only A,B,C,D,E,F] [--rounds N] [--jobs N (B and D)] [--contenders raw,offthread-memory,...] [--sizes 1000,100000 (F)] [--bytes N (E)] [--profile] [--wait-quiet] [--write-benchmarks] [--markdown-only]');
  process.exit(0);
}
const quick = flag('--quick');
const only = new Set((option('--only') ?? 'A,B,C,D,E,F').toUpperCase().split(','));
const roundsOverride = option('--rounds') ? Number(option('--rounds')) : undefined;
const profiling = flag('--profile');
const jobsOverride = option('--jobs') ? Number(option('--jobs')) : undefined;
const contenderFilter = option('--contenders')?.split(',');

// Quick mode is smaller where offthread's IndexedDB path is slow today (B leaves that contender out; D
// runs 2,000 jobs, not 10,000) and where building the stored jobs takes minutes (F stops at 100,000).
const P = quick
  ? {
      A: { rounds: 4, calls: 200 },
      B: { rounds: 3, jobs: 10_000, idbRounds: 0, threadsRounds: 1 },
      C: { rounds: 3, jobs: 200 },
      D: { rounds: 2, jobs: 2_000, latency: 25 },
      E: { rounds: 3 },
      F: { rounds: 2, claims: 50, jobs: 200, sizes: [1_000, 10_000, 100_000] },
    }
  : {
      A: { rounds: 10, calls: 1_000 },
      B: { rounds: 7, jobs: 10_000, idbRounds: 3, threadsRounds: 7 },
      C: { rounds: 5, jobs: 200 },
      D: { rounds: 3, jobs: 10_000, latency: 50 },
      E: { rounds: 7 },
      F: { rounds: 3, claims: 100, jobs: 300, sizes: [1_000, 100_000, 1_000_000] },
    };
if (roundsOverride) for (const s of Object.values(P)) s.rounds = roundsOverride;
if (jobsOverride) P.B.jobs = P.D.jobs = jobsOverride;
if (option('--sizes')) P.F.sizes = option('--sizes').split(',').map(Number);
const F_SIZES = P.F.sizes;
const E_BYTES = option('--bytes') ? Number(option('--bytes')) : 32 * 1024 * 1024;
const TARGET_SPIN_MS = 5;
/** 33554432 as `32 MiB`, 1024 as `1 KiB`, 100 as `100 B`. */
const bytesLabel = (n) => (n >= 1 << 20 ? `${+(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${+(n / 1024).toFixed(1)} KiB` : `${n} B`);

const LABELS = {
  raw: 'raw postMessage',
  'raw-batch': 'raw, one message per worker',
  comlink: 'comlink',
  'comlink-cached': 'comlink, method proxies made once',
  workerpool: 'workerpool',
  threads: 'threads.js',
  'offthread-memory': 'offthread memory',
  'offthread-memory-bulk': 'offthread memory, addBulk',
  'offthread-idb': 'offthread IndexedDB',
};

// ------------------------------------------------------------------ formatting and statistics

const median = (values) => {
  if (!values?.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const percentile = (values, p) => (values?.length ? [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] : NaN);
const min = (values) => (values?.length ? Math.min(...values) : NaN);
const max = (values) => (values?.length ? Math.max(...values) : NaN);
function time(ms) {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1) return `${(ms * 1000).toFixed(ms < 0.1 ? 1 : 0)} µs`;
  if (ms < 100) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}
const rate = (perSecond) => (perSecond >= 10_000 ? `${(perSecond / 1000).toFixed(1)}k/s` : perSecond >= 100 ? `${Math.round(perSecond)}/s` : `${perSecond.toFixed(1)}/s`);
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '-');
const mb = (bytes) => `${(bytes / 1_048_576).toFixed(1)} MB`;

function printTable(title, header, rows, notes = []) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c ?? '').padEnd(widths[i]) : String(c ?? '').padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  for (const note of notes) console.log(note);
}

/** A row's standard cells: median, min..max, ops/s (from `perSample` operations per sample), then ratios of medians. */
function statCells(samples, perSample, anchors) {
  const m = median(samples);
  const cells = [time(m), `${time(min(samples))}..${time(max(samples))}`, perSample ? rate((perSample * 1000) / m) : ''];
  for (const anchor of anchors) cells.push(anchor ? ratio(m / median(anchor)) : '-');
  return cells;
}

/** The median of one CPU field over samples that carry CPU times, as a time; '-' without them. */
function cpuCell(samples, field, per = 1) {
  const values = samples.map((m) => m?.cpu?.[field]).filter((v) => v !== undefined);
  return values.length ? time(median(values) / per) : '-';
}

const verdicts = [];
/** A target's verdict from the measured `value` (NaN when a contender it needs was left out). */
function target(scenario, text, measured, pass, value) {
  const verdict = !Number.isFinite(value) ? 'NOT MEASURED' : pass ? 'PASS' : 'MISS';
  verdicts.push({ scenario, target: text, measured, verdict });
  console.log(`  target ${scenario}: ${text}: measured ${measured}: ${verdict}`);
}

const rotate = (list, r) => [...list.slice(r % list.length), ...list.slice(0, r % list.length)];

// ------------------------------------------------------------------ CPU time per thread (Linux /proc)

/** Nanoseconds a thread has run on a CPU (the first field of its schedstat). */
function threadNs(pid, tid) {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return 0;
  }
}

function threads(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).map((tid) => {
      let comm = '';
      try {
        comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      } catch {
        // The thread ended.
      }
      return { tid, comm };
    });
  } catch {
    return [];
  }
}

/**
 * CPU time used by the bench page's threads, from /proc: its renderer's main thread, its dedicated workers'
 * threads, and the browser process (where IndexedDB's backend runs). Unlike wall time, it does not count
 * the time other processes on the machine took the cores.
 */
class CpuClock {
  /** Finds the page's renderer: the one whose main thread ran while the page spun (`spin`). */
  static async find(profileDir, spin) {
    let procs;
    try {
      procs = readdirSync('/proc')
        .filter((name) => /^\d+$/.test(name))
        .map((pid) => {
          try {
            return { pid, cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8') };
          } catch {
            return undefined;
          }
        })
        .filter((p) => p && p.cmdline.includes(profileDir));
    } catch {
      return undefined;
    }
    const browser = procs.find((p) => !p.cmdline.includes('--type='));
    // The browser's own UI (top-chrome WebUI) and extensions have renderers too: not ours.
    const renderers = procs.filter((p) => p.cmdline.includes('--type=renderer') && !p.cmdline.includes('--top-chrome-webui') && !p.cmdline.includes('--extension-process'));
    const before = new Map(renderers.map((p) => [p.pid, threadNs(p.pid, p.pid)]));
    await spin();
    let page;
    let most = 0;
    for (const p of renderers) {
      const ran = threadNs(p.pid, p.pid) - before.get(p.pid);
      if (process.env.BENCH_DEBUG) print('renderer', p.pid, ran / 1e6, 'ms', p.cmdline.includes('top-chrome') ? 'top-chrome' : '');
      if (ran > most) [page, most] = [p.pid, ran];
    }
    // The page spun for 300 ms: its main thread must have run for a good part of it.
    return page && browser && most > 30e6 ? new CpuClock(page, browser.pid) : undefined;
  }

  constructor(pagePid, browserPid) {
    this.pagePid = pagePid;
    this.browserPid = browserPid;
  }

  snapshot() {
    const workers = new Map();
    for (const { tid, comm } of threads(this.pagePid)) if (comm.startsWith('DedicatedWorker')) workers.set(tid, threadNs(this.pagePid, tid));
    let browser = 0;
    for (const { tid } of threads(this.browserPid)) browser += threadNs(this.browserPid, tid);
    return { main: threadNs(this.pagePid, this.pagePid), workers, browser };
  }

  /** Milliseconds of CPU since `before`: the page's main thread, its workers (those alive at the end), the browser process. */
  since(before) {
    const now = this.snapshot();
    let workers = 0;
    for (const [tid, ns] of now.workers) workers += ns - (before.workers.get(tid) ?? 0);
    const ms = (ns) => Math.round(ns / 1e3) / 1e3;
    return { mainMs: ms(now.main - before.main), workersMs: ms(workers), browserMs: ms(now.browser - before.browser) };
  }
}

// ------------------------------------------------------------------ build, serve, launch

const cores = os.cpus().length;
const load = () => Math.round(os.loadavg()[0] * 100) / 100;
if (flag('--wait-quiet')) {
  // Other processes on a small machine skew everything: wait (up to 15 minutes) for the load to drop.
  for (let waited = 0; load() > cores * 0.75 && waited < 900; waited += 10) {
    process.stdout.write(`\rwaiting for a quieter machine: load ${load()} on ${cores} cores   `);
    await new Promise((r) => setTimeout(r, 10_000));
  }
  process.stdout.write('\n');
}
const loads = {};
/** Notes the machine's load around a scenario, and warns when other work competes for the cores. */
const scenarioStart = {};
function noteLoad(scenario, when) {
  (loads[scenario] ??= {})[when] = load();
  if (when === 'start') scenarioStart[scenario] = Date.now();
  else console.log(`  (${scenario} took ${Math.round((Date.now() - scenarioStart[scenario]) / 1000)} s)`);
  if (when === 'start' && load() > cores) console.log(`  (the machine is busy: load ${load()} on ${cores} cores: numbers from this scenario are noisy)`);
}

// Everything printed is also kept, for BENCHMARKS.md (`--write-benchmarks`).
const report = [];
const print = console.log.bind(console);
console.log = (...parts) => {
  print(...parts);
  report.push(parts.join(' ').replace(/^\r/, ''));
};

if (flag('--markdown-only')) {
  // BENCHMARKS.md again from the last run's results (after a change to its template), without running anything.
  const output = JSON.parse(readFileSync(join(resultsDir, 'latest.json'), 'utf8'));
  writeFileSync(join(root, 'BENCHMARKS.md'), benchmarksMarkdown(output, output.report));
  print('wrote BENCHMARKS.md from bench/results/latest.json');
  process.exit(0);
}

const started = Date.now();
console.log(`offthread bench (${quick ? 'quick' : 'full'}): building the bench page...`);
await build({ configFile, logLevel: 'error' });
const server = await preview({ configFile, logLevel: 'error', preview: { port: 4190, strictPort: false } });
const url = server.resolvedUrls.local[0];
const profileDir = mkdtempSync(join(os.tmpdir(), 'offthread-bench-profile-'));
const context = await chromium.launchPersistentContext(profileDir, { executablePath, headless: true, args: ['--disable-quic'] });
let exitCode = 0;
try {
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(url);
  await page.waitForFunction(() => globalThis.bench?.ready === true);
  const cdp = await context.newCDPSession(page);
  const gc = () => cdp.send('HeapProfiler.collectGarbage');
  const heapUsed = async () => {
    await gc();
    await gc();
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  const call = (fn, ...args) => page.evaluate(([name, values]) => globalThis.bench[name](...values), [fn, args]);
  const cpu = await CpuClock.find(profileDir, () => page.evaluate(() => { const end = performance.now() + 300; while (performance.now() < end); }));
  if (!cpu) console.log('(no per-thread CPU times: /proc not readable here; tables show wall times only)');

  const pageInfo = await call('info');
  const browserVersion = await cdp.send('Browser.getVersion');
  if (!pageInfo.crossOriginIsolated) throw new Error('the bench page is not cross-origin isolated: COOP/COEP headers missing?');
  console.log(`${browserVersion.product}, cross-origin isolated, performance.now() step ${pageInfo.timerResolutionUs.toFixed(1)} µs, ${url}`);
  const frame = pageInfo.idleFrameMs;
  console.log(`requestAnimationFrame on the idle page: every ${time(frame.median)} (${time(frame.min)}..${time(frame.max)}) in headless Chromium`);

  // threads.js: in only if it bundled and runs.
  // `--contenders` picks some of these, or adds comlink-cached (comlink with each method's proxy made once).
  const poolContenders = contenderFilter ?? ['raw', 'comlink', 'workerpool', 'threads', 'offthread-memory', 'offthread-idb'];
  let threadsNote = 'threads.js 1.7.0: bundled by Vite and ran';
  try {
    if (!poolContenders.includes('threads')) throw new Error('not selected');
    await call('start', 'threads', 1);
    await call('stop');
  } catch (error) {
    threadsNote = `threads.js left out: ${String(error.message ?? error).split('\n')[0]}`;
    if (poolContenders.includes('threads')) poolContenders.splice(poolContenders.indexOf('threads'), 1);
  }
  console.log(threadsNote);

  const results = {};
  const profiles = [];
  /** The page's V8 heap after a forced GC, at the start and after each scenario (all its queues closed). */
  const heapAfter = { start: await heapUsed() };

  /** One pool sample: start the contender (warm), GC, measure, stop. */
  async function poolSample(id, workers, fn, ...args) {
    await call('start', id, workers);
    await gc();
    try {
      return await measuredCall(fn, ...args);
    } finally {
      await call('stop');
    }
  }

  /** A {@link poolSample} of `bulkOnQueue`, then (not timed with it) how long the retention sweep took to follow. */
  async function bulkSample(id, ...args) {
    await call('start', id, 2);
    await gc();
    try {
      const result = await measuredCall('bulkOnQueue', ...args);
      result.sweptMs = await call('untilSwept');
      return result;
    } finally {
      await call('stop');
    }
  }

  /** One IndexedDB ceiling sample: database and rows made first, then only the puts timed. */
  async function ceilingSample(records, batch, indexes) {
    await call('ceilingStart', records, batch, indexes);
    await gc();
    try {
      return await measuredCall('ceilingRun');
    } finally {
      await call('ceilingEnd');
    }
  }

  /** `call`, with the CPU time the page's threads used meanwhile (wall times suffer when other processes share the cores). */
  async function measuredCall(fn, ...args) {
    const before = cpu?.snapshot();
    const result = await call(fn, ...args);
    if (before) result.cpu = cpu.since(before);
    return result;
  }

  /** A CPU profile (CDP Profiler) of `run`, saved, with its heaviest functions and modules printed. */
  async function profile(name, run) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
    const measured = await run();
    const { profile: cpu } = await cdp.send('Profiler.stop');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `profile-${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(cpu));
    const summary = summarizeProfile(cpu);
    profiles.push({ name, file: file.slice(root.length + 1), measured, ...summary });
    console.log(`\n  profile ${name} (${file.slice(root.length + 1)}; one extra sample, not in the table: ${JSON.stringify(measured).slice(0, 160)})`);
    console.log(`    self time by module: ${summary.byModule.slice(0, 10).map((m) => `${m.module} ${m.pct}%`).join(', ')}`);
    console.log(`    heaviest functions (self): ${summary.byFunction.slice(0, 14).map((f) => `${f.name} [${f.module}] ${f.pct}%`).join(', ')}`);

    // Then where it allocates: one more sample under the sampling heap profiler, young objects included
    // (what the scavenger collects is what costs a burst of tiny jobs its garbage collection time).
    await cdp.send('HeapProfiler.enable');
    await cdp.send('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    await run();
    const { profile: heap } = await cdp.send('HeapProfiler.stopSampling');
    const heapFile = join(resultsDir, `profile-${name}.heapprofile`);
    writeFileSync(heapFile, JSON.stringify(heap));
    const bytes = new Map();
    let total = 0;
    (function walk(node) {
      const { functionName, url, lineNumber } = node.callFrame;
      const key = `${functionName || '(anonymous)'} [${url ? url.split('/').pop() : '(native)'}:${lineNumber + 1}]`;
      bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
      total += node.selfSize;
      for (const child of node.children) walk(child);
    })(heap.head);
    const top = [...bytes].sort((x, y) => y[1] - x[1]).slice(0, 12);
    console.log(`    allocated (${heapFile.slice(root.length + 1)}; sampled, ${(total / 1e6).toFixed(1)} MB): ${top.map(([k, v]) => `${k} ${((100 * v) / total).toFixed(1)}%`).join(', ')}`);
  }

  // ---------------------------------------------------------------- A
  if (only.has('A')) {
    noteLoad('A', 'start');
    const { rounds, calls } = P.A;
    console.log(`\nA: no-op round trip, 1 worker, sequential: ${rounds} rounds × ${calls} calls`);
    const samples = Object.fromEntries(poolContenders.map((id) => [id, []]));
    const medians = Object.fromEntries(poolContenders.map((id) => [id, []]));
    const cpuOf = Object.fromEntries(poolContenders.map((id) => [id, []]));
    for (let r = 0; r < rounds; r++) {
      for (const id of rotate(poolContenders, r)) {
        const m = await poolSample(id, 1, 'roundTrips', calls);
        samples[id].push(m.meanUs / 1000);
        medians[id].push(m.medianUs / 1000);
        cpuOf[id].push({ cpu: m.cpu });
      }
      process.stdout.write(`  round ${r + 1}/${rounds} done\n`);
    }
    const anchors = [samples.raw, samples.comlink, samples.workerpool];
    printTable(
      `A. no-op round trip to one worker, sequential (mean of ${calls} calls per sample; ${rounds} samples)`,
      ['contender', 'median', 'min..max', 'ops/s', 'vs raw', 'vs comlink', 'vs workerpool', 'per-call median', 'page CPU / call', 'worker CPU / call'],
      poolContenders.map((id) => [
        LABELS[id],
        ...statCells(samples[id], 1, anchors),
        time(median(medians[id])),
        cpuCell(cpuOf[id], 'mainMs', calls + 50),
        cpuCell(cpuOf[id], 'workersMs', calls + 50),
      ]),
      [
        '  (vs X: this median ÷ X\'s median: below 1 is faster)',
        '  (CPU / call: CPU time of the page\'s main thread and of the worker threads (Linux /proc), over the sample and its 50 warm-up calls)',
      ],
    );
    const r = median(samples['offthread-memory']) / median(samples.raw);
    target('A', 'memory round trip ≤ 1.3 × raw postMessage', `${ratio(r)} (${time(median(samples['offthread-memory']))} vs ${time(median(samples.raw))})`, r <= 1.3, r);
    noteLoad('A', 'end');
    heapAfter.A = await heapUsed();
    results.A = { params: P.A, unit: 'ms per round trip (mean of a sample)', samples, perCallMedians: medians, cpu: cpuOf };
    if (profiling) {
      for (const id of ['offthread-memory', 'offthread-idb', 'raw']) {
        await call('start', id, 1);
        await gc();
        await profile(`A-${id}`, () => call('roundTrips', calls));
        await call('stop');
      }
    }
  }

  // ---------------------------------------------------------------- B
  if (only.has('B')) {
    noteLoad('B', 'start');
    const { rounds, jobs } = P.B;
    // Two more rows: raw's same-tick batching floor, and the memory queue fed by one addBulk.
    const ids = poolContenders.flatMap((id) => (id === 'raw' ? ['raw', 'raw-batch'] : id === 'offthread-memory' ? [id, 'offthread-memory-bulk'] : [id]));
    console.log(`\nB: ${jobs} tiny jobs submitted at once to 2 workers: ${rounds} rounds`);
    const samples = Object.fromEntries(ids.map((id) => [id, []]));
    const idbRounds = Math.min(P.B.idbRounds, rounds);
    if (idbRounds < rounds && ids.includes('offthread-idb')) {
      console.log(`  offthread IndexedDB runs in ${idbRounds ? `the first ${idbRounds} rounds only` : 'no round'} (seconds per sample today: see D, or the full run)`);
    }
    if (P.B.threadsRounds < rounds && ids.includes('threads')) console.log(`  threads.js runs in the first ${P.B.threadsRounds} round(s) only (over 10 s per sample)`);
    for (let r = 0; r < rounds; r++) {
      for (const id of rotate(ids, r)) {
        if (id === 'offthread-idb' && r >= idbRounds) continue;
        if (id === 'threads' && r >= P.B.threadsRounds) continue;
        const m = await poolSample(id, 2, 'manyTiny', jobs);
        if (m.wrong) throw new Error(`B: ${id} returned ${m.wrong} wrong results`);
        samples[id].push(m);
      }
      process.stdout.write(`  round ${r + 1}/${rounds} done\n`);
    }
    const wall = (id) => samples[id]?.map((m) => m.wallMs);
    const anchors = [wall('raw'), wall('comlink'), wall('workerpool')];
    printTable(
      `B. ${jobs} tiny jobs submitted in one tick to 2 workers (${rounds} samples)`,
      ['contender', 'median', 'min..max', 'jobs/s', 'vs raw', 'vs comlink', 'vs workerpool', 'longest setTimeout(0) gap', 'longest rAF gap', 'frames', 'page CPU', 'workers CPU'],
      ids.filter((id) => samples[id].length > 0).map((id) => {
        const t = samples[id].map((m) => m.maxTimeoutGapMs);
        const f = samples[id].map((m) => m.maxFrameGapMs);
        return [
          LABELS[id],
          ...statCells(wall(id), jobs, anchors),
          `${time(median(t))} (max ${time(max(t))})`,
          `${time(median(f))} (max ${time(max(f))})`,
          String(median(samples[id].map((m) => m.frames))),
          cpuCell(samples[id], 'mainMs'),
          cpuCell(samples[id], 'workersMs'),
        ];
      }),
      [
        '  (vs X: this median wall time ÷ X\'s: below 1 is faster; gaps: median over samples of each sample\'s longest gap, and the largest)',
        '  raw, one message per worker: the same-tick batching floor (each worker gets its share of the jobs in one message)',
        '  CPU: CPU time the page\'s main thread and the worker threads used during the sample (median): other processes\' load does not inflate it',
      ],
    );
    const mem = median(wall('offthread-memory'));
    const gap = median(samples['offthread-memory']?.map((m) => m.maxTimeoutGapMs));
    const frameGap = median(samples['offthread-memory']?.map((m) => m.maxFrameGapMs));
    target('B', 'memory throughput ≥ 4 × workerpool\'s', ratio(median(wall('workerpool')) / mem), median(wall('workerpool')) / mem >= 4, median(wall('workerpool')) / mem);
    target('B', 'memory throughput ≥ 1.5 × comlink\'s', ratio(median(wall('comlink')) / mem), median(wall('comlink')) / mem >= 1.5, median(wall('comlink')) / mem);
    target('B', 'memory: longest main-thread gap ≤ 25 ms (setTimeout(0) gap)', `${time(gap)} (rAF gap ${time(frameGap)})`, gap <= 25, gap);
    noteLoad('B', 'end');
    heapAfter.B = await heapUsed();
    results.B = { params: P.B, unit: 'ms wall time per sample; gaps in ms', samples };
    if (profiling) {
      for (const id of ['offthread-memory', 'offthread-idb']) {
        await call('start', id, 2);
        await gc();
        await profile(`B-${id}`, () => call('manyTiny', id === 'offthread-idb' ? Math.min(jobs, 2_000) : jobs));
        await call('stop');
      }
    }
  }

  // ---------------------------------------------------------------- C
  if (only.has('C')) {
    noteLoad('C', 'start');
    const { rounds, jobs } = P.C;
    const iterations = await call('calibrateSpin', TARGET_SPIN_MS);
    console.log(`\nC: ${jobs} jobs of ~${TARGET_SPIN_MS} ms compute (${iterations} spin steps): ${rounds} rounds`);
    // Quick mode runs 1 worker only for raw and the memory queue (the speedup target is about 2 workers).
    const oneWorker = (id) => !quick || id === 'raw' || id === 'offthread-memory';
    const variants = [{ id: 'main', workers: 0 }, ...poolContenders.flatMap((id) => [...(oneWorker(id) ? [{ id, workers: 1 }] : []), { id, workers: 2 }])];
    const key = (v) => (v.workers ? `${v.id}/${v.workers}` : 'main');
    const samples = Object.fromEntries(variants.map((v) => [key(v), []]));
    const cpuOf = Object.fromEntries(variants.map((v) => [key(v), []]));
    for (let r = 0; r < rounds; r++) {
      for (const v of rotate(variants, r)) {
        let m;
        if (v.workers === 0) {
          await gc();
          m = await measuredCall('computeOnMainThread', jobs, iterations);
        } else {
          m = await poolSample(v.id, v.workers, 'computeOnWorkers', jobs, iterations);
        }
        samples[key(v)].push(m.wallMs);
        cpuOf[key(v)].push({ cpu: m.cpu });
      }
      process.stdout.write(`  round ${r + 1}/${rounds} done\n`);
    }
    const main = median(samples.main);
    printTable(
      `C. ${jobs} jobs of ~${TARGET_SPIN_MS} ms pure compute (${rounds} samples); speedup = main thread's median ÷ this median`,
      ['contender', 'median', 'min..max', 'jobs/s', 'vs raw (same workers)', 'speedup', 'page CPU', 'workers CPU'],
      variants.map((v) => {
        const s = samples[key(v)];
        const rawSame = v.workers ? samples[`raw/${v.workers}`] : undefined;
        return [
          v.workers ? `${LABELS[v.id]}, ${v.workers} worker${v.workers > 1 ? 's' : ''}` : 'main thread',
          ...statCells(s, jobs, [rawSame]),
          ratio(main / median(s)),
          cpuCell(cpuOf[key(v)], 'mainMs'),
          cpuCell(cpuOf[key(v)], 'workersMs'),
        ];
      }),
      ['  (the workers\' CPU includes 4 warm-up jobs; page CPU is the main thread\'s, spent dispatching and collecting)'],
    );
    const speedup = main / median(samples['offthread-memory/2']);
    target('C', 'memory: ≥ 1.85 × speedup on 2 workers', `${ratio(speedup)} (raw ${ratio(main / median(samples['raw/2']))}, IndexedDB ${ratio(main / median(samples['offthread-idb/2']))})`, speedup >= 1.85, speedup);
    noteLoad('C', 'end');
    heapAfter.C = await heapUsed();
    results.C = { params: { ...P.C, iterations, targetSpinMs: TARGET_SPIN_MS }, unit: 'ms wall time per sample', samples, cpu: cpuOf };
  }

  // ---------------------------------------------------------------- D
  if (only.has('D')) {
    noteLoad('D', 'start');
    const { rounds, jobs, latency } = P.D;
    console.log(`\nD: persisted: ${jobs} jobs in bulk, IndexedDB's ceiling, one job's latency: ${rounds} rounds`);
    const runs = {
      'ceiling-100': () => ceilingSample(jobs, 100, false),
      'ceiling-100-indexed': () => ceilingSample(jobs, 100, true),
      'ceiling-1': () => ceilingSample(1_000, 1, false),
      'idb-results': () => bulkSample('offthread-idb', jobs, 'results'),
      'idb-events': () => poolSample('offthread-idb', 2, 'bulkOnQueue', jobs, 'events'),
      'memory-results': () => bulkSample('offthread-memory', jobs, 'results'),
      'latency-idb': () => poolSample('offthread-idb', 2, 'idleCalls', latency, 20),
      'latency-memory': () => poolSample('offthread-memory', 2, 'idleCalls', latency, 20),
      'latency-raw': () => poolSample('raw', 2, 'idleCalls', latency, 20),
    };
    const samples = Object.fromEntries(Object.keys(runs).map((id) => [id, []]));
    for (let r = 0; r < rounds; r++) {
      for (const id of rotate(Object.keys(runs), r)) {
        await gc();
        const m = await runs[id]();
        if (m.completed !== undefined && m.completed !== jobs) throw new Error(`D: ${id} completed ${m.completed} of ${jobs} jobs`);
        samples[id].push(m);
      }
      process.stdout.write(`  round ${r + 1}/${rounds} done\n`);
    }
    const wall = (id) => samples[id].map((m) => m.wallMs);
    const ceiling = wall('ceiling-100');
    const rows = [
      ['IndexedDB put, 100 rows per transaction (the ceiling)', 'ceiling-100', jobs],
      ['  same, with offthread\'s 5 indexes', 'ceiling-100-indexed', jobs],
      ['IndexedDB put, 1 row per transaction (1,000 rows)', 'ceiling-1', 1_000],
      ['offthread IndexedDB: addBulk, await every result', 'idb-results', jobs],
      ['offthread IndexedDB: addBulk, until the last completed event', 'idb-events', jobs],
      ['offthread memory: addBulk, await every result', 'memory-results', jobs],
    ];
    printTable(
      `D. persisted throughput: ${jobs} tiny jobs on 2 workers (${rounds} samples; rows/jobs per second from the median)`,
      ['', 'median', 'min..max', 'per s', 'time ÷ ceiling\'s (per row)', 'page CPU / row', 'browser CPU / row'],
      rows.map(([label, id, n]) => {
        const m = median(wall(id)) / n;
        return [label, ...statCells(wall(id), n, []), ratio(m / (median(ceiling) / jobs)), cpuCell(samples[id], 'mainMs', n), cpuCell(samples[id], 'browserMs', n)];
      }),
      [
        `  addBulk itself (the one transaction that stores the ${jobs} jobs): median ${time(median(samples['idb-results'].map((m) => m.addedMs)))}`,
        `  then the retention sweep (it keeps the newest 1,000 completed jobs, and waits for the queue to drain): down to 1,000 stored ${time(median(samples['idb-results'].map((m) => m.sweptMs)))} after the last result (median; IndexedDB), ${time(median(samples['memory-results'].map((m) => m.sweptMs)))} (memory); not in the times above`,
        '  CPU / row: CPU time of the page\'s main thread, and of the browser process (IndexedDB\'s backend runs there), per row or job',
      ],
    );
    const lat = (id) => samples[id].flatMap((m) => m.latencies);
    printTable(
      `D. one job on an idle queue (2 workers, warm), add() to its result (${latency} jobs per sample, 20 ms apart; ${rounds} samples)`,
      ['', 'median', 'min..max', 'p90', 'page CPU / job', 'browser CPU / job'],
      [
        ['offthread IndexedDB', 'latency-idb'],
        ['offthread memory', 'latency-memory'],
        ['raw postMessage (no-op round trip after the same idle gap)', 'latency-raw'],
      ].map(([label, id]) => [
        label,
        ...statCells(lat(id), 0, []).slice(0, 2),
        time(percentile(lat(id), 0.9)),
        cpuCell(samples[id], 'mainMs', latency),
        cpuCell(samples[id], 'browserMs', latency),
      ]),
    );
    const ceilingRate = (jobs * 1000) / median(ceiling);
    const idbRate = (jobs * 1000) / median(wall('idb-results'));
    target('D', 'persisted throughput ≥ (batched-put ceiling ÷ 3) ÷ 2', `${rate(idbRate)} vs ${rate(ceilingRate / 6)} needed (ceiling ${rate(ceilingRate)}): ${ratio(idbRate / (ceilingRate / 6))} of it`, idbRate >= ceilingRate / 6, idbRate / ceilingRate);
    const latIdb = median(lat('latency-idb'));
    target('D', 'one job on an idle persisted queue ≤ 4 ms median', time(latIdb), latIdb <= 4, latIdb);
    noteLoad('D', 'end');
    heapAfter.D = await heapUsed();
    results.D = { params: P.D, unit: 'ms wall time per sample; latencies in ms', samples };
    if (profiling) {
      await gc();
      for (const [name, fn, args] of [['bulk', 'bulkOnQueue', [jobs, 'results']], ['latency', 'idleCalls', [latency, 20]]]) {
        await call('start', 'offthread-idb', 2);
        await gc();
        await profile(`D-offthread-idb-${name}`, () => call(fn, ...args));
        await call('stop');
      }
    }
  }

  // ---------------------------------------------------------------- E
  if (only.has('E')) {
    noteLoad('E', 'start');
    const { rounds } = P.E;
    console.log(`\nE: a ${bytesLabel(E_BYTES)} ArrayBuffer to a worker and back: ${rounds} rounds`);
    const variants = poolContenders.flatMap((id) => [{ id, mode: 'copy' }, { id, mode: 'transfer' }]);
    const key = (v) => `${v.id}/${v.mode}`;
    const samples = Object.fromEntries(variants.map((v) => [key(v), []]));
    for (let r = 0; r < rounds; r++) {
      for (const v of rotate(variants, r)) samples[key(v)].push(await poolSample(v.id, 1, 'bigBuffer', E_BYTES, v.mode));
      process.stdout.write(`  round ${r + 1}/${rounds} done\n`);
    }
    const wall = (k) => samples[k]?.map((m) => m.wallMs);
    printTable(
      `E. ${bytesLabel(E_BYTES)} ArrayBuffer to one worker and back (${rounds} samples, each the median of 3 copied or 10 transferred round trips, after 20 of 1 KiB to warm up)`,
      ['contender', 'median', 'min..max', 'per s', 'vs raw (same mode)', 'arrived', 'sender\'s buffer'],
      variants.map((v) => [
        `${LABELS[v.id]}, ${v.mode === 'copy' ? 'copied' : 'transferred'}`,
        ...statCells(wall(key(v)), 1, [wall(`raw/${v.mode}`)]),
        samples[key(v)].every((m) => m.arrived) ? 'yes' : 'NO',
        samples[key(v)].every((m) => m.senderDetached) ? 'moved' : samples[key(v)].some((m) => m.senderDetached) ? 'mixed' : 'kept (copied)',
      ]),
    );
    const t = median(wall('offthread-memory/transfer')) / median(wall('raw/transfer'));
    target('E', 'memory transfer within 1.5 × raw\'s time', `${ratio(t)} (${time(median(wall('offthread-memory/transfer')))} vs ${time(median(wall('raw/transfer')))})`, t <= 1.5, t);
    const moved = !!samples['offthread-memory/transfer']?.every((m) => m.senderDetached && m.arrived) && !!samples['offthread-memory/copy']?.every((m) => !m.senderDetached && m.arrived);
    target('E', 'memory: nothing copied unless the caller asked (transfer moves; copy keeps the sender\'s buffer)', moved ? 'moved when transferred, kept when copied' : 'no', moved, samples['offthread-memory/transfer'] ? 1 : NaN);
    noteLoad('E', 'end');
    heapAfter.E = await heapUsed();
    results.E = { params: { ...P.E, bytes: E_BYTES }, unit: 'ms wall time per sample', samples };
    if (profiling) {
      // 200 transferred round trips (one buffer made and filled per 10), against raw's for what the floor costs.
      for (const id of ['offthread-memory', 'raw']) {
        await call('start', id, 1);
        await gc();
        await profile(`E-${id}-transfer`, async () => {
          const times = [];
          for (let i = 0; i < 20; i++) times.push((await call('bigBuffer', E_BYTES, 'transfer')).wallMs);
          return { medianMs: median(times) };
        });
        await call('stop');
      }
    }
  }

  // ---------------------------------------------------------------- F
  if (only.has('F')) {
    noteLoad('F', 'start');
    const { rounds, claims, jobs } = P.F;
    console.log(`\nF: dequeue cost and page heap with ${F_SIZES.map((n) => n.toLocaleString('en')).join(' / ')} jobs stored (IndexedDB): ${rounds} rounds`);
    // A fresh page of the same browser (same profile): its heap holds only what F makes, not what earlier
    // scenarios left behind.
    const fPage = await context.newPage();
    await fPage.goto(url);
    await fPage.waitForFunction(() => globalThis.bench?.ready === true);
    const fCdp = await context.newCDPSession(fPage);
    const fGc = () => fCdp.send('HeapProfiler.collectGarbage');
    const fHeap = async () => {
      await fGc();
      await fGc();
      return (await fCdp.send('Runtime.getHeapUsage')).usedSize;
    };
    const fCall = (fn, ...args) => fPage.evaluate(([name, values]) => globalThis.bench[name](...values), [fn, args]);
    const names = Object.fromEntries(F_SIZES.map((n) => [n, `bench-f-${n}-${Date.now().toString(36)}`]));
    const buildMs = {};
    for (const n of F_SIZES) {
      const t0 = Date.now();
      let written = 0;
      while (written < n) {
        const chunk = Math.min(100_000, n - written);
        await fCall('storeJobs', names[n], chunk, written + 1);
        written += chunk;
        if (n >= 100_000) process.stdout.write(`\r  storing ${n.toLocaleString('en')} jobs: ${written.toLocaleString('en')}`);
      }
      buildMs[n] = Date.now() - t0;
      console.log(`${n >= 100_000 ? '\r' : ''}  stored ${n.toLocaleString('en')} waiting jobs in ${time(buildMs[n])} (${rate((n * 1000) / buildMs[n])})`);
    }
    const samples = Object.fromEntries(F_SIZES.map((n) => [n, []]));
    for (let r = 0; r < rounds; r++) {
      for (const n of rotate(F_SIZES, r)) {
        await fGc();
        const claim = await fCall('claimLatency', names[n], claims);
        await fGc();
        const queue = await fCall('queueOnStored', names[n], jobs);
        const heap = await fHeap();
        // Runs in flight come and go (up to a few hundred lined up in the workers): the heap that says whether
        // anything grows with the jobs stored is the one with the queue open, paused, and nothing running.
        await fCall('pauseStoredQueue');
        const heapIdle = await fHeap();
        await fCall('closeStoredQueue');
        const heapClosed = await fHeap();
        const restored = await fCall('restoreJobs', names[n]);
        samples[n].push({ claimMedianMs: median(claim.times), claimTimes: claim.times, ...queue, heapBytes: heap, heapIdleBytes: heapIdle, heapAfterCloseBytes: heapClosed, restored: restored.removed });
      }
      process.stdout.write(`  round ${r + 1}/${rounds} done\n`);
    }
    const col = (n, field) => samples[n].map((m) => m[field]);
    const base = F_SIZES[0];
    printTable(
      `F. dequeue cost and page heap by jobs stored (IndexedDB; ${rounds} samples per size)`,
      ['jobs stored', 'claim (store.commit: complete 1 + claim 1)', `vs ${base.toLocaleString('en')}`, 'queue: per job (2 workers)', `vs ${base.toLocaleString('en')}`, 'first result after open', 'page heap: running', 'paused, idle', `vs ${base.toLocaleString('en')}`],
      F_SIZES.map((n) => [
        n.toLocaleString('en'),
        `${time(median(col(n, 'claimMedianMs')))} (${time(min(col(n, 'claimMedianMs')))}..${time(max(col(n, 'claimMedianMs')))})`,
        ratio(median(col(n, 'claimMedianMs')) / median(col(base, 'claimMedianMs'))),
        `${time(median(col(n, 'perJobMs')))} (${time(min(col(n, 'perJobMs')))}..${time(max(col(n, 'perJobMs')))})`,
        ratio(median(col(n, 'perJobMs')) / median(col(base, 'perJobMs'))),
        time(median(col(n, 'firstResultMs'))),
        mb(median(col(n, 'heapBytes'))),
        mb(median(col(n, 'heapIdleBytes'))),
        ratio(median(col(n, 'heapIdleBytes')) / median(col(base, 'heapIdleBytes'))),
      ]),
      [`  claim: median per sample of ${claims} commits; queue: ${jobs} jobs run off the stored backlog, time per job after the first result`,
       '  page heap: V8 heap of the page (a fresh page of the same browser, for F alone) after a forced GC (CDP',
       '  HeapProfiler.collectGarbage + Runtime.getHeapUsage), with the queue open: running (runs in flight come and go),',
       '  then paused with nothing running (what the target reads)'],
    );
    const big = F_SIZES[F_SIZES.length - 1];
    const claimRatio = median(col(big, 'claimMedianMs')) / median(col(base, 'claimMedianMs'));
    const queueRatio = median(col(big, 'perJobMs')) / median(col(base, 'perJobMs'));
    const heapRatio = median(col(big, 'heapIdleBytes')) / median(col(base, 'heapIdleBytes'));
    const sizes = `at ${big.toLocaleString('en')} stored within 1.5 × of at ${base.toLocaleString('en')}`;
    target('F', `dequeue ${sizes} (store claim)`, ratio(claimRatio), claimRatio <= 1.5, claimRatio);
    target('F', `dequeue ${sizes} (queue, per job)`, ratio(queueRatio), queueRatio <= 1.5, queueRatio);
    target('F', 'page heap flat in the number of stored jobs (≤ 1.10 ×)', `${ratio(heapRatio)} (${mb(median(col(base, 'heapIdleBytes')))} → ${mb(median(col(big, 'heapIdleBytes')))}, queue open and idle)`, heapRatio <= 1.1, heapRatio);
    noteLoad('F', 'end');
    results.F = { params: { ...P.F, sizes: F_SIZES }, buildMs, unit: 'ms; heap in bytes', samples };
    for (const n of F_SIZES) await fCall('deleteDatabase', await fCall('queueDbName', names[n]));
    await fPage.close();
  }

  // Every queue and pool of a scenario is closed at its end: what the page's heap still holds was kept alive.
  console.log(
    `\nPage heap after a forced GC, at the start and after each scenario (A to E share the page; all their queues and pools closed): ${Object.entries(heapAfter)
      .map(([k, v]) => `${k} ${mb(v)}`)
      .join(', ')}`,
  );

  // ---------------------------------------------------------------- bundle (size-limit, .size-limit.mjs)
  let bundle;
  {
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
      const both = bundle.find((c) => c.sizeLimit !== undefined);
      if (both) target('bundle', 'offthread + offthread/worker ≤ 8 kB gzipped', `${(both.size / 1000).toFixed(2)} kB`, both.size <= 8000, both.size);
    } catch {
      console.log(`\nBundle: size-limit gave no result`);
    }
  }

  if (pageErrors.length > 0) console.log(`\npage errors (${pageErrors.length}): ${pageErrors.slice(0, 5).join(' | ')}`);

  // ---------------------------------------------------------------- results
  const pkg = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  const sh = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trimEnd();
    } catch {
      return undefined;
    }
  };
  const elapsedMs = Date.now() - started;
  const output = {
    date: new Date().toISOString(),
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    mode: quick ? 'quick' : 'full',
    elapsedMs,
    machine: {
      nproc: sh('nproc', []) ?? String(os.cpus().length),
      cpu: os.cpus()[0]?.model,
      memory: sh('free', ['-h']) ?? mb(os.totalmem()),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      browser: browserVersion.product,
      userAgent: pageInfo.userAgent,
      hardwareConcurrency: pageInfo.hardwareConcurrency,
      crossOriginIsolated: pageInfo.crossOriginIsolated,
      timerResolutionUs: pageInfo.timerResolutionUs,
      idleFrameMs: pageInfo.idleFrameMs,
      headless: true,
      persistentProfile: true,
      loadAverage: loads,
    },
    versions: {
      offthread: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version,
      git: sh('git', ['-C', root, 'rev-parse', '--short', 'HEAD']),
      gitDirty: (sh('git', ['-C', root, 'status', '--porcelain', 'src']) ?? '') !== '',
      comlink: pkg('comlink'),
      idb: pkg('idb'),
      workerpool: pkg('workerpool'),
      threads: pkg('threads'),
      playwright: pkg('playwright'),
      vite: pkg('vite'),
    },
    threads: threadsNote,
    pageHeapBytes: heapAfter,
    verdicts,
    report,
    bundle,
    profiles,
    scenarios: results,
  };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(output, null, 1)}\n`);
  // Printed, not kept in the report: BENCHMARKS.md ends its tables with them, made again from the results.
  for (const line of summaryLines(output)) print(line);
  if (flag('--write-benchmarks')) {
    writeFileSync(join(root, 'BENCHMARKS.md'), benchmarksMarkdown(output, output.report));
    print('wrote BENCHMARKS.md');
  }
} catch (error) {
  console.error(`\nbench failed: ${error.stack ?? error}`);
  exitCode = 1;
} finally {
  await context.close().catch(() => {});
  await server.close().catch(() => {});
  rmSync(profileDir, { recursive: true, force: true });
}
process.exit(exitCode);

// ------------------------------------------------------------------ BENCHMARKS.md

/** BENCHMARKS.md: what was run, where, and the tables exactly as printed. Nothing in it is typed in by hand. */
function benchmarksMarkdown(output, lines) {
  const m = output.machine;
  const tables = [...lines, ...summaryLines(output)].filter((line) => !/^ {2}\(the machine is busy/.test(line)).join('\n').trim();
  const verdictRows = output.verdicts.map((v) => `| ${v.scenario} | ${v.target} | ${v.measured.replaceAll('|', '\\|')} | ${v.verdict} |`).join('\n');
  const loads = Object.entries(m.loadAverage).map(([s, l]) => `${s} ${l.start}→${l.end}`).join(', ');
  return `# Benchmarks

offthread against raw \`postMessage\` (a hand-written pool: the floor), comlink (one proxy per worker, round
robin), workerpool and threads.js, in real Chromium. Written by \`npm run bench -- --write-benchmarks\` from the
run below: every number here was measured by that run (raw samples: \`bench/results/latest.json\`).

## How it runs

- \`bench/run.mjs\` builds the bench page with Vite (\`bench/vite.config.ts\`, offthread imported from \`../src\`,
  unminified so CPU profiles name functions), serves it on 127.0.0.1 with COOP/COEP (the page is cross-origin
  isolated: \`performance.now()\` steps ${m.timerResolutionUs.toFixed(0)} µs), and drives Chromium headless through Playwright
  with a persistent profile in a temp dir (an off-the-record profile keeps IndexedDB in memory).
- All contenders run in that one browser, round by round, in an order that rotates every round; each sample
  starts its contender afresh (workers made and warmed first), after a forced GC, and is timed inside the page.
- Tables: the median of the samples, their range, operations per second from the median, and the median's
  ratio to the anchors' (below 1 is faster). Targets are judged on those medians.
- \`--quick\` is smaller: fewer rounds; in B offthread IndexedDB is left out and threads.js runs one round;
  C runs 1 worker only for raw and the memory queue; D runs 2,000 jobs instead of 10,000; F stops at 100,000
  stored jobs (building 1,000,000 rows takes minutes in IndexedDB here). The full run (\`npm run bench\`)
  has every contender in every scenario, 10,000 jobs in D and 1,000 / 100,000 / 1,000,000 in F.
- Besides wall time, the tables give the CPU time the page's main thread, its workers and the browser
  process (where IndexedDB's backend runs) used during a sample, read from Linux's /proc: unlike wall time,
  it is not inflated when other processes compete for the cores.
- \`npm run bench -- --profile\` adds CPU profiles (CDP \`Profiler\`) and allocation profiles (CDP \`HeapProfiler\` sampling) of extra offthread samples, saved next to the results.

## The latest run

- Command: \`${output.command}\` (${output.mode}), ${output.date}, took ${Math.round(output.elapsedMs / 1000)} s.
- Code: offthread ${output.versions.offthread}, git ${output.versions.git}${output.versions.gitDirty ? ' with uncommitted changes in src/' : ''};
  comlink ${output.versions.comlink}, workerpool ${output.versions.workerpool}, threads ${output.versions.threads}, idb ${output.versions.idb}, Vite ${output.versions.vite}, Playwright ${output.versions.playwright}.
- Machine: \`nproc\` ${m.nproc} (${m.cpu}), ${m.os}, Node ${m.node}, ${m.browser} headless (\`${m.userAgent}\`).
- Load average (1 min) at the start and end of each scenario: ${loads}. Other processes share this machine;
  a load above ${m.nproc} means they competed for the cores during that scenario.
- ${output.threads}.

\`free -h\`:

\`\`\`text
${m.memory}
\`\`\`

## Targets

What the project aims for, each judged on this run's medians.

| scenario | target | measured | verdict |
|---|---|---|---|
${verdictRows}

## Tables

\`\`\`text
${tables}
\`\`\`
`;
}

/**
 * The run's last lines: the targets passed and missed, and where the samples went. Made from the results, so
 * that `--markdown-only` writes them as the run printed them (latest.json is written before they are printed).
 */
function summaryLines(output) {
  const count = (verdict) => output.verdicts.filter((v) => v.verdict === verdict).length;
  return [`\n${count('PASS')} targets PASS, ${count('MISS')} MISS`, `raw samples: bench/results/latest.json; took ${time(output.elapsedMs)}`];
}

// ------------------------------------------------------------------ CPU profile summary

/**
 * Self time per function and per source module. The bench bundle is unminified and rolldown heads each
 * module with a `// <path>` comment, so a frame's line number tells its module.
 */
function summarizeProfile(cpu) {
  const regionsByUrl = new Map();
  const moduleOf = (url, line) => {
    if (!url) return '(native)';
    if (!regionsByUrl.has(url)) {
      let regions = [];
      try {
        const file = join(here, 'dist', new URL(url).pathname.replace(/^\//, ''));
        const lines = readFileSync(file, 'utf8').split('\n');
        lines.forEach((text, i) => {
          const m = /^\/\/ ((?:\\0)?[\w@.\-/]+\.[cm]?[jt]sx?)$/.exec(text);
          if (m) regions.push({ line: i, module: m[1].replace(/^.*node_modules\//, '') });
        });
      } catch {
        regions = [];
      }
      regionsByUrl.set(url, regions);
    }
    const regions = regionsByUrl.get(url);
    let found = '(bundle)';
    for (const r of regions) if (r.line <= line) found = r.module;
    return found;
  };
  const nodes = new Map(cpu.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let i = 0; i < cpu.samples.length; i++) {
    const dt = cpu.timeDeltas[i + 1] ?? cpu.timeDeltas[i] ?? 0;
    selfUs.set(cpu.samples[i], (selfUs.get(cpu.samples[i]) ?? 0) + dt);
  }
  let total = 0;
  const byFunction = new Map();
  const byModule = new Map();
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id).callFrame;
    if (frame.functionName === '(idle)') continue;
    total += us;
    const module = frame.url ? moduleOf(frame.url, frame.lineNumber) : frame.functionName.startsWith('(') ? frame.functionName : '(native)';
    const name = frame.functionName || '(anonymous)';
    const fkey = `${name}\u0000${module}`;
    byFunction.set(fkey, (byFunction.get(fkey) ?? 0) + us);
    byModule.set(module, (byModule.get(module) ?? 0) + us);
  }
  const pct = (us) => Math.round((us / total) * 1000) / 10;
  return {
    busyMs: Math.round(total / 1000),
    byModule: [...byModule].sort((a, b) => b[1] - a[1]).map(([module, us]) => ({ module, ms: Math.round(us / 100) / 10, pct: pct(us) })),
    byFunction: [...byFunction]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 40)
      .map(([key, us]) => {
        const [name, module] = key.split('\u0000');
        return { name, module, ms: Math.round(us / 100) / 10, pct: pct(us) };
      }),
  };
}
