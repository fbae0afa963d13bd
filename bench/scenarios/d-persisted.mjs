// D: persisted throughput against IndexedDB's own ceiling (batched puts), and one job's latency on an idle queue.
import process from 'node:process';
import { noteLoad } from '../harness/machine-load.mjs';
import { cpuCell, printTable, rate, ratio, statCells, time } from '../report/format.mjs';
import { median, percentile, rotate } from '../report/statistics.mjs';
import { target } from '../report/transcript.mjs';

/** Runs scenario D in `bench` (see run.mjs), prints its table and targets, and puts its samples in `results.D`. */
export async function scenarioD(bench) {
  const { P, poolSample, bulkSample, ceilingSample, call, gc, heapUsed, heapAfter, results, profiling, profile } = bench;
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
