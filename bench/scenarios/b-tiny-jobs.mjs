// B: 10,000 tiny jobs submitted in one tick to 2 workers: throughput, and how long the main thread is blocked.
import process from 'node:process';
import { noteLoad } from '../harness/machine-load.mjs';
import { LABELS } from '../harness/options.mjs';
import { cpuCell, printTable, ratio, statCells, time } from '../report/format.mjs';
import { max, median, rotate } from '../report/statistics.mjs';
import { target } from '../report/transcript.mjs';

/** Runs scenario B in `bench` (see run.mjs), prints its table and targets, and puts its samples in `results.B`. */
export async function scenarioB(bench) {
  const { P, poolContenders, poolSample, call, gc, heapUsed, heapAfter, results, profiling, profile } = bench;
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
