// A: a no-op round trip to one worker, sequential: what each call costs on top of postMessage.
import process from 'node:process';
import { noteLoad } from '../harness/machine-load.mjs';
import { LABELS } from '../harness/options.mjs';
import { cpuCell, printTable, ratio, statCells, time } from '../report/format.mjs';
import { median, rotate } from '../report/statistics.mjs';
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
