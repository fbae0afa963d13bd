// A: a no-op round trip to one worker, sequential: what each call costs on top of postMessage.
import process from 'node:process';
import { noteLoad } from '../harness/machine-load.mjs';
import { LABELS } from '../harness/options.mjs';
import { explain, profileLines } from '../report/diagnosis.mjs';
import { cpuCell, printTable, spreadCell, statCells, time } from '../report/format.mjs';
import { median, perRound, rotate, spread } from '../report/statistics.mjs';
import { target } from '../report/transcript.mjs';

/** Runs scenario A in `bench` (see run.mjs), prints its table and targets, and puts its samples in `results.A`. */
export async function scenarioA(bench) {
  const { P, poolContenders, poolSample, call, gc, heapUsed, heapAfter, results, profiling, profile } = bench;
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
  /** Round by round, this contender's sample ÷ the anchor's of the same round. */
  const vs = (id, anchor) => spread(perRound(samples[id], samples[anchor]));
  printTable(
    `A. no-op round trip to one worker, sequential (mean of ${calls} calls per sample; ${rounds} samples)`,
    ['contender', 'median', 'min..max', 'ops/s', 'vs raw', 'vs comlink', 'vs workerpool', 'vs raw, per round', 'per-call median', 'page CPU / call', 'worker CPU / call'],
    poolContenders.map((id) => [
      LABELS[id],
      ...statCells(samples[id], 1, anchors),
      samples.raw ? spreadCell(vs(id, 'raw')) : '-',
      time(median(medians[id])),
      cpuCell(cpuOf[id], 'mainMs', calls + 50),
      cpuCell(cpuOf[id], 'workersMs', calls + 50),
    ]),
    [
      '  (vs X: this median ÷ X\'s median: below 1 is faster; per round: the median of the rounds\' own ratios, and their range)',
      '  (CPU / call: CPU time of the page\'s main thread and of the worker threads (Linux /proc), over the sample and its 50 warm-up calls)',
    ],
  );
  const mem = 'offthread-memory';
  const raw = vs(mem, 'raw');
  target('A', 'memory round trip ≤ 1.3 × raw postMessage (per round)', `${spreadCell(raw)}; medians ${time(median(samples[mem]))} vs ${time(median(samples.raw))}`, raw.median <= 1.3, raw.median, 'A-raw');
  for (const peer of ['comlink', 'workerpool']) {
    const r = vs(mem, peer);
    target('A', `memory round trip no slower than ${peer}'s in the same run (per round)`, `${spreadCell(r)}; ${peer} ${time(median(samples[peer]))}`, r.median <= 1, r.median, `A-${peer}`);
  }
  const idbVsRaw = vs('offthread-idb', 'raw');
  if (idbVsRaw.values.length) console.log(`  offthread IndexedDB (no target): ${spreadCell(idbVsRaw)} raw's round trip`);
  noteLoad('A', 'end');
  heapAfter.A = await heapUsed();
  results.A = { params: P.A, unit: 'ms per round trip (mean of a sample)', samples, perCallMedians: medians, cpu: cpuOf };
  const cpuPerCall = (id, field) => cpuCell(cpuOf[id] ?? [], field, calls + 50);
  const cpuLine = `CPU per call (Linux /proc, median of the samples): offthread memory's page ${cpuPerCall(mem, 'mainMs')} and worker ${cpuPerCall(mem, 'workersMs')}, against raw's ${cpuPerCall('raw', 'mainMs')} and ${cpuPerCall('raw', 'workersMs')}`;
  for (const id of ['A-raw', 'A-comlink', 'A-workerpool']) explain(id, [cpuLine]);
  if (profiling) {
    const made = {};
    for (const id of ['offthread-memory', 'offthread-idb', 'raw']) {
      await call('start', id, 1);
      await gc();
      made[id] = await profile(`A-${id}`, () => call('roundTrips', calls));
      await call('stop');
    }
    const lines = [...profileLines(made[mem], calls + 50, `${calls} round trips and 50 warm-up`), `  raw's profile, for the floor: main thread busy ${time(made.raw.busyMs / (calls + 50))} per call`];
    for (const id of ['A-raw', 'A-comlink', 'A-workerpool']) explain(id, lines);
  }
}
