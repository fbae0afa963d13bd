// F: dequeue cost and the page's heap with 1,000 to 1,000,000 jobs stored (IndexedDB), in a fresh page of its own.
import process from 'node:process';
import { noteLoad } from '../harness/machine-load.mjs';
import { openFreshPage } from '../harness/session.mjs';
import { mb, printTable, rate, ratio, time } from '../report/format.mjs';
import { max, median, min, rotate } from '../report/statistics.mjs';
import { target } from '../report/transcript.mjs';

/** Runs scenario F in `bench` (see run.mjs), prints its table and targets, and puts its samples in `results.F`. */
export async function scenarioF(bench) {
  const { P, results, browser } = bench;
  const F_SIZES = P.F.sizes;
  noteLoad('F', 'start');
  const { rounds, claims, jobs } = P.F;
  console.log(`\nF: dequeue cost and page heap with ${F_SIZES.map((n) => n.toLocaleString('en')).join(' / ')} jobs stored (IndexedDB): ${rounds} rounds`);
  // A fresh page of the same browser (same profile): its heap holds only what F makes, not what earlier
  // scenarios left behind.
  const { page: fPage, gc: fGc, heapUsed: fHeap, call: fCall } = await openFreshPage(browser);
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
