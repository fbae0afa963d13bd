// B: 10,000 tiny jobs submitted in one tick to 2 workers: throughput, and how long the main thread is blocked.
import process from 'node:process';
import { noteLoad } from '../harness/machine-load.mjs';
import { LABELS } from '../harness/options.mjs';
import { explain, longestTaskLines, profileLines } from '../report/diagnosis.mjs';
import { cpuCell, printTable, rate, spreadCell, statCells, time } from '../report/format.mjs';
import { max, median, perRound, rotate, spread } from '../report/statistics.mjs';
import { target } from '../report/transcript.mjs';

/** A sample's long tasks (PerformanceObserver 'longtask'), as `count, longest`; '-' where the browser has none. */
function longTasksCell(samples) {
  const measured = samples.filter((m) => Array.isArray(m.longTasksMs));
  if (!measured.length) return '-';
  const count = median(measured.map((m) => m.longTasksMs.length));
  const longest = max(measured.flatMap((m) => m.longTasksMs));
  return `${count}${Number.isFinite(longest) ? `, longest ${time(longest)}` : ''}`;
}

/** Runs scenario B in `bench` (see run.mjs), prints its table and targets, and puts its samples in `results.B`. */
export async function scenarioB(bench) {
  const { P, poolContenders, poolSample, call, gc, heapUsed, heapAfter, results, profiling, profile } = bench;
  noteLoad('B', 'start');
  const { rounds, jobs } = P.B;
  // More rows: raw's same-tick batching floors (one message per worker; messages of ≤ 100 jobs), and the memory
  // queue fed by one addBulk.
  const ids = poolContenders.flatMap((id) => (id === 'raw' ? ['raw', 'raw-batch', 'raw-batch-100'] : id === 'offthread-memory' ? [id, 'offthread-memory-bulk'] : [id]));
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
    ['contender', 'median', 'min..max', 'jobs/s', 'vs raw', 'vs comlink', 'vs workerpool', 'longest setTimeout(0) gap', 'longest rAF gap', 'long tasks (median count, longest)', 'frames', 'page CPU', 'workers CPU'],
    ids.filter((id) => samples[id].length > 0).map((id) => {
      const t = samples[id].map((m) => m.maxTimeoutGapMs);
      const f = samples[id].map((m) => m.maxFrameGapMs);
      return [
        LABELS[id],
        ...statCells(wall(id), jobs, anchors),
        `${time(median(t))} (max ${time(max(t))})`,
        `${time(median(f))} (max ${time(max(f))})`,
        longTasksCell(samples[id]),
        String(median(samples[id].map((m) => m.frames))),
        cpuCell(samples[id], 'mainMs'),
        cpuCell(samples[id], 'workersMs'),
      ];
    }),
    [
      '  (vs X: this median wall time ÷ X\'s: below 1 is faster; gaps: median over samples of each sample\'s longest gap, and the largest)',
      '  raw, one message per worker: the same-tick batching floor (each worker gets its share of the jobs in one message);',
      '  raw, batches of ≤ 100 per message: the floor offthread memory is judged against (messages of up to 100 jobs, round robin)',
      '  long tasks: what a PerformanceObserver(\'longtask\') saw during the sample (tasks over 50 ms)',
      '  CPU: CPU time the page\'s main thread and the worker threads used during the sample (median): other processes\' load does not inflate it',
    ],
  );
  const mem = 'offthread-memory';
  /** Round by round, how many times `id`'s throughput offthread memory's is (the other's wall time ÷ memory's). */
  const faster = (id) => spread(perRound(wall(id), wall(mem)));
  const overWorkerpool = faster('workerpool');
  const overComlink = faster('comlink');
  const gapOf = (id) => median(samples[id]?.map((m) => m.maxTimeoutGapMs));
  const frameGapOf = (id) => median(samples[id]?.map((m) => m.maxFrameGapMs));
  const longestTask = (id) => max(samples[id]?.flatMap((m) => m.longTasksMs ?? []));
  target('B', 'memory throughput ≥ 4 × workerpool\'s (per round)', spreadCell(overWorkerpool), overWorkerpool.median >= 4, overWorkerpool.median, 'B-workerpool');
  target('B', 'memory throughput ≥ 1.5 × comlink\'s (per round)', spreadCell(overComlink), overComlink.median >= 1.5, overComlink.median, 'B-comlink');
  target('B', 'memory: longest main-thread gap ≤ 25 ms (setTimeout(0) gap)', `${time(gapOf(mem))} (rAF gap ${time(frameGapOf(mem))})`, gapOf(mem) <= 25, gapOf(mem), 'B-memory-gap');
  const idb = 'offthread-idb';
  const idbTasks = samples[idb]?.filter((m) => Array.isArray(m.longTasksMs)) ?? [];
  target(
    'B',
    `persisted: ${jobs.toLocaleString('en')} add() in one tick, longest main-thread gap ≤ 25 ms (setTimeout(0) gap)`,
    `${time(gapOf(idb))} (rAF gap ${time(frameGapOf(idb))}; long tasks: ${idbTasks.length ? `${median(idbTasks.map((m) => m.longTasksMs.length))} per sample, longest ${time(longestTask(idb))}` : 'not reported'}; ${samples[idb]?.length ?? 0} samples)`,
    gapOf(idb) <= 25,
    gapOf(idb),
    'B-idb-gap',
  );
  const floor = spread(perRound(wall('raw-batch-100'), wall(mem)));
  target(
    'B',
    'memory throughput ≥ 0.25 × the same-tick batching floor (raw, batches of ≤ 100 per message; per round)',
    `${spreadCell(floor)}; ${rate((jobs * 1000) / median(wall(mem)))} vs ${rate((jobs * 1000) / median(wall('raw-batch-100')))}`,
    floor.median >= 0.25,
    floor.median,
    'B-floor',
  );
  const cpuLine = (id) => `${LABELS[id]}: page CPU ${cpuCell(samples[id] ?? [], 'mainMs')} and workers CPU ${cpuCell(samples[id] ?? [], 'workersMs')} per sample of ${jobs.toLocaleString('en')} jobs (median, Linux /proc)`;
  explain('B-floor', [`${cpuLine(mem)}; ${cpuLine('raw-batch-100')}`]);
  explain('B-idb-gap', [`${cpuLine(idb)}; ${cpuLine(mem)}`]);
  noteLoad('B', 'end');
  heapAfter.B = await heapUsed();
  results.B = { params: P.B, unit: 'ms wall time per sample; gaps in ms', samples };
  if (profiling) {
    const made = {};
    for (const id of [mem, idb]) {
      await call('start', id, 2);
      await gc();
      made[id] = await profile(`B-${id}`, () => call('manyTiny', jobs));
      await call('stop');
    }
    explain('B-idb-gap', longestTaskLines(made[idb]));
    explain('B-memory-gap', longestTaskLines(made[mem]));
    explain('B-idb-gap', profileLines(made[idb], jobs, `${jobs.toLocaleString('en')} add() in one tick, to the last result`));
    for (const id of ['B-floor', 'B-workerpool', 'B-comlink']) explain(id, profileLines(made[mem], jobs, `${jobs.toLocaleString('en')} jobs in one tick`));
  }
}
