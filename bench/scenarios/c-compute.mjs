// C: jobs of about 5 ms of pure compute, on the main thread and on 1 and 2 workers: the speedup.
import process from 'node:process';
import { noteLoad } from '../harness/machine-load.mjs';
import { LABELS, TARGET_SPIN_MS } from '../harness/options.mjs';
import { cpuCell, printTable, ratio, statCells } from '../report/format.mjs';
import { median, rotate } from '../report/statistics.mjs';
import { target } from '../report/transcript.mjs';

/** Runs scenario C in `bench` (see run.mjs), prints its table and targets, and puts its samples in `results.C`. */
export async function scenarioC(bench) {
  const { P, quick, poolContenders, poolSample, measuredCall, call, gc, heapUsed, heapAfter, results } = bench;
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
