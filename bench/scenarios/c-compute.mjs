// C: jobs of about 5 ms of pure compute, on the main thread and on 1 and 2 workers: the speedup.
import process from 'node:process';
import { noteLoad } from '../harness/machine-load.mjs';
import { LABELS, TARGET_SPIN_MS } from '../harness/options.mjs';
import { explain, profileLines } from '../report/diagnosis.mjs';
import { cpuCell, printTable, ratio, spreadCell, statCells, time } from '../report/format.mjs';
import { median, perRound, rotate, spread } from '../report/statistics.mjs';
import { target } from '../report/transcript.mjs';

/** Runs scenario C in `bench` (see run.mjs), prints its table and targets, and puts its samples in `results.C`. */
export async function scenarioC(bench) {
  const { P, quick, poolContenders, poolSample, measuredCall, call, gc, heapUsed, heapAfter, results, profiling, profile } = bench;
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
  /** Round by round, the main thread's sample ÷ this variant's. */
  const speedupOf = (k) => spread(perRound(samples.main, samples[k]));
  printTable(
    `C. ${jobs} jobs of ~${TARGET_SPIN_MS} ms pure compute (${rounds} samples); speedup = main thread's median ÷ this median`,
    ['contender', 'median', 'min..max', 'jobs/s', 'vs raw (same workers)', 'speedup', 'speedup, per round', 'page CPU', 'workers CPU', 'browser CPU'],
    variants.map((v) => {
      const s = samples[key(v)];
      const rawSame = v.workers ? samples[`raw/${v.workers}`] : undefined;
      return [
        v.workers ? `${LABELS[v.id]}, ${v.workers} worker${v.workers > 1 ? 's' : ''}` : 'main thread',
        ...statCells(s, jobs, [rawSame]),
        ratio(main / median(s)),
        v.workers ? spreadCell(speedupOf(key(v))) : '-',
        cpuCell(cpuOf[key(v)], 'mainMs'),
        cpuCell(cpuOf[key(v)], 'workersMs'),
        cpuCell(cpuOf[key(v)], 'browserMs'),
      ];
    }),
    [
      '  (the workers\' CPU includes 4 warm-up jobs; page CPU is the main thread\'s, spent dispatching and collecting;',
      '  browser CPU: the browser process\'s, where IndexedDB\'s backend runs; per round: the main thread\'s sample ÷ this one, same round)',
    ],
  );
  const memory = speedupOf('offthread-memory/2');
  target('C', 'memory: ≥ 1.85 × speedup on 2 workers (per round)', `${spreadCell(memory)} (raw ${spreadCell(speedupOf('raw/2'))})`, memory.median >= 1.85, memory.median, 'C-memory');
  const idb = speedupOf('offthread-idb/2');
  target('C', 'persisted: ≥ 1.8 × speedup on 2 workers (per round)', spreadCell(idb), idb.median >= 1.8, idb.median, 'C-idb');
  const cpuOfRow = (k) => `page ${cpuCell(cpuOf[k] ?? [], 'mainMs')}, workers ${cpuCell(cpuOf[k] ?? [], 'workersMs')}, browser ${cpuCell(cpuOf[k] ?? [], 'browserMs')}`;
  const idleWorkers = (k) => 2 * median(samples[k]) - median(cpuOf[k]?.map((m) => m.cpu?.workersMs).filter((x) => x !== undefined));
  for (const id of ['C-idb', 'C-memory']) {
    explain(id, [
      `2 workers, per sample of ${jobs} jobs (median, Linux /proc): IndexedDB ${time(median(samples['offthread-idb/2']))} wall, CPU ${cpuOfRow('offthread-idb/2')}; memory ${time(median(samples['offthread-memory/2']))} wall, CPU ${cpuOfRow('offthread-memory/2')}`,
      `  worker time not spent computing (2 × wall − workers' CPU): IndexedDB ${time(idleWorkers('offthread-idb/2'))}, memory ${time(idleWorkers('offthread-memory/2'))}, raw ${time(idleWorkers('raw/2'))}`,
    ]);
  }
  noteLoad('C', 'end');
  heapAfter.C = await heapUsed();
  results.C = { params: { ...P.C, iterations, targetSpinMs: TARGET_SPIN_MS }, unit: 'ms wall time per sample', samples, cpu: cpuOf };
  if (profiling) {
    await call('start', 'offthread-idb', 2);
    await gc();
    const made = await profile('C-offthread-idb', () => call('computeOnWorkers', jobs, iterations), { heap: false });
    await call('stop');
    explain('C-idb', profileLines(made, jobs + 4, `${jobs} jobs of ~${TARGET_SPIN_MS} ms and 4 warm-up, 2 workers`));
  }
}
