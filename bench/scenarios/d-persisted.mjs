// D: persisted throughput against IndexedDB's own ceiling (batched puts: target Q), and one job's latency on an
// idle queue, 600 jobs one after another on one queue (the first and last fifty apart).
import process from 'node:process';
import { noteLoad } from '../harness/machine-load.mjs';
import { explain, growthLines, profileLines, traceLines } from '../report/diagnosis.mjs';
import { cpuCell, printTable, rate, ratio, spreadCell, statCells, time } from '../report/format.mjs';
import { ends, median, percentile, perRound, rotate, spread } from '../report/statistics.mjs';
import { target } from '../report/transcript.mjs';

/** Runs scenario D in `bench` (see run.mjs), prints its table and targets, and puts its samples in `results.D`. */
export async function scenarioD(bench) {
  const { P, poolSample, bulkSample, latencySample, ceilingSample, call, gc, heapUsed, heapAfter, results, profiling, profile } = bench;
  noteLoad('D', 'start');
  const { rounds, jobs, latency, latencyEdge: edge } = P.D;
  const GAP_MS = 20;
  console.log(`\nD: persisted: ${jobs} jobs in bulk, IndexedDB's ceiling, one job's latency: ${rounds} rounds`);
  const runs = {
    'ceiling-100': () => ceilingSample(jobs, 100, false),
    'ceiling-100-indexed': () => ceilingSample(jobs, 100, true),
    'ceiling-1': () => ceilingSample(1_000, 1, false),
    'idb-results': () => bulkSample('offthread-idb', jobs, 'results'),
    'idb-events': () => poolSample('offthread-idb', 2, 'bulkOnQueue', jobs, 'events'),
    'memory-results': () => bulkSample('offthread-memory', jobs, 'results'),
    'latency-idb': () => latencySample('offthread-idb', latency, edge, GAP_MS),
    'latency-memory': () => latencySample('offthread-memory', latency, edge, GAP_MS),
    'latency-raw': () => latencySample('raw', latency, edge, GAP_MS),
    'latency-idb-alone': () => latencySample('idb-alone', latency, edge, GAP_MS),
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
  /** The first or last `edge` jobs of each sample, all samples together. */
  const endOf = (id, which) => samples[id].flatMap((m) => ends(m.latencies, edge)[which]);
  /** Round by round, the median of the last `edge` jobs ÷ that of the first `edge`, on the same queue. */
  const rise = (id) => spread(samples[id].map((m) => ends(m.latencies, edge)).map(({ first, last }) => median(last) / median(first)));
  /** CPU per job of a segment (first or last), median over samples, as a time. */
  const cpuPerJob = (id, which, field) => time(median(samples[id].map((m) => m.cpu?.[which]?.[field]).filter((v) => v !== undefined)) / edge);
  const latencyRows = [
    ['offthread IndexedDB', 'latency-idb'],
    ['offthread memory', 'latency-memory'],
    ['raw postMessage (no-op round trip after the same idle gap)', 'latency-raw'],
    ['IndexedDB alone: one job\'s requests (add + seq; get + put), no queue', 'latency-idb-alone'],
  ];
  printTable(
    `D. one job on an idle queue (2 workers, warm), add() to its result: ${latency} jobs one after another on ONE queue, ${GAP_MS} ms apart (${rounds} samples)`,
    ['', 'median', 'min..max', 'p90', `first ${edge}`, `last ${edge}`, 'last ÷ first, per round', 'page CPU / job, first → last', 'browser CPU / job, first → last'],
    latencyRows.map(([label, id]) => [
      label,
      ...statCells(lat(id), 0, []).slice(0, 2),
      time(percentile(lat(id), 0.9)),
      time(median(endOf(id, 'first'))),
      time(median(endOf(id, 'last'))),
      spreadCell(rise(id)),
      `${cpuPerJob(id, 'first', 'mainMs')} → ${cpuPerJob(id, 'last', 'mainMs')}`,
      `${cpuPerJob(id, 'first', 'browserMs')} → ${cpuPerJob(id, 'last', 'browserMs')}`,
    ]),
    [
      `  first and last ${edge}: the median of those jobs over the samples; the queue has finished ${latency - edge} more jobs by the last ${edge}`,
      '  IndexedDB alone: the requests offthread\'s page makes for one idle job (as --profile counts them), made directly in a',
      '  database of offthread\'s schema that keeps every finished job: what IndexedDB itself costs, and whether that rises',
    ],
  );
  // Q: the bulk path against IndexedDB's batched-put ceiling ÷ 3, round by round (3 × the ceiling's time ÷ this one's).
  const ceilingRate = (jobs * 1000) / median(ceiling);
  for (const [id, storage] of [['idb-results', 'persisted'], ['memory-results', 'memory']]) {
    const q = spread(perRound(ceiling, wall(id), (c, x) => (3 * c) / x));
    target(
      'Q',
      `${storage}: ${jobs.toLocaleString('en')} jobs by addBulk, all results, ≥ 1.0 × (IndexedDB batched-put ceiling ÷ 3) (per round)`,
      `${spreadCell(q)}; ${rate((jobs * 1000) / median(wall(id)))} vs ${rate(ceilingRate / 3)} (ceiling ${rate(ceilingRate)})`,
      q.median >= 1,
      q.median,
      `Q-${storage}`,
    );
  }
  explain('Q-persisted', [
    `CPU per job (median, Linux /proc): offthread's page ${cpuCell(samples['idb-results'], 'mainMs', jobs)} and browser ${cpuCell(samples['idb-results'], 'browserMs', jobs)}; the ceiling's page ${cpuCell(samples['ceiling-100'], 'mainMs', jobs)} and browser ${cpuCell(samples['ceiling-100'], 'browserMs', jobs)} per row (with the 5 indexes: browser ${cpuCell(samples['ceiling-100-indexed'], 'browserMs', jobs)})`,
    `  addBulk's own transaction took ${time(median(samples['idb-results'].map((m) => m.addedMs)))} of the ${time(median(wall('idb-results')))} (median)`,
  ]);
  const latIdb = median(lat('latency-idb'));
  target('D', 'one job on an idle persisted queue ≤ 3 ms median (add → result)', `${time(latIdb)} (first ${edge} ${time(median(endOf('latency-idb', 'first')))}, last ${edge} ${time(median(endOf('latency-idb', 'last')))})`, latIdb <= 3, latIdb, 'D-latency');
  const flat = rise('latency-idb');
  target('D', `persisted: flat as finished jobs accumulate: the last ${edge} of ${latency} on one queue ≤ 1.2 × the first ${edge} (per round)`, spreadCell(flat), flat.median <= 1.2, flat.median, 'D-flat');
  const cpuLine = `CPU per job, first ${edge} → last ${edge} (median, Linux /proc): page ${cpuPerJob('latency-idb', 'first', 'mainMs')} → ${cpuPerJob('latency-idb', 'last', 'mainMs')}, workers ${cpuPerJob('latency-idb', 'first', 'workersMs')} → ${cpuPerJob('latency-idb', 'last', 'workersMs')}, browser (IndexedDB's backend) ${cpuPerJob('latency-idb', 'first', 'browserMs')} → ${cpuPerJob('latency-idb', 'last', 'browserMs')}; memory's page ${cpuPerJob('latency-memory', 'first', 'mainMs')} → ${cpuPerJob('latency-memory', 'last', 'mainMs')}`;
  const alone = rise('latency-idb-alone');
  const control = `IndexedDB alone (the same requests per job, no queue): median ${time(median(lat('latency-idb-alone')))}, first ${edge} ${time(median(endOf('latency-idb-alone', 'first')))} → last ${edge} ${time(median(endOf('latency-idb-alone', 'last')))} (${spreadCell(alone)}); offthread IndexedDB ${time(median(endOf('latency-idb', 'first')))} → ${time(median(endOf('latency-idb', 'last')))}`;
  explain('D-latency', [cpuLine, control]);
  explain('D-flat', [cpuLine, control]);
  noteLoad('D', 'end');
  heapAfter.D = await heapUsed();
  results.D = { params: P.D, unit: 'ms wall time per sample; latencies in ms', samples };
  if (profiling) {
    await gc();
    await call('start', 'offthread-idb', 2);
    await gc();
    const bulk = await profile('D-offthread-idb-bulk', () => call('bulkOnQueue', jobs, 'results'));
    await call('stop');
    explain('Q-persisted', profileLines(bulk, jobs, `${jobs.toLocaleString('en')} jobs by addBulk, to the last result`));
    // The first and the last `edge` jobs of one more latency sample, each profiled (the middle is not).
    const profiled = {};
    await latencySample('offthread-idb', latency, edge, GAP_MS, async (which, run) => {
      profiled[which] = await profile(`D-offthread-idb-latency-${which}-${edge}`, run, { heap: false });
      return profiled[which].measured;
    });
    const lines = [...growthLines(profiled.first, profiled.last, edge), ...profileLines(profiled.last, edge, `the last ${edge} of ${latency} jobs on one queue`)];
    // And one more, with the page's IndexedDB requests counted over the first and the last `edge` jobs.
    const traced = {};
    await latencySample('offthread-idb', latency, edge, GAP_MS, async (which, run) => {
      await call('startIdbTrace');
      let measured;
      try {
        measured = await run();
        return measured;
      } finally {
        traced[which] = { measured, requests: await call('stopIdbTrace') };
      }
    });
    results.D.idbTrace = traced;
    const medianOf = (which) => time(median(traced[which].measured.latencies));
    const traceText = traceLines(traced.first.requests, traced.last.requests, edge, `the first and the last ${edge} of ${latency} jobs on one queue, whose medians were ${medianOf('first')} and ${medianOf('last')}`);
    for (const line of traceText) console.log(`  ${line}`);
    explain('D-flat', [...lines, ...traceText]);
    explain('D-latency', [...lines, ...traceText]);
  }
}
