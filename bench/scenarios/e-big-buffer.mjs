// E: a big ArrayBuffer to one worker and back, copied and transferred: nothing copied unless asked.
import process from 'node:process';
import { noteLoad } from '../harness/machine-load.mjs';
import { LABELS } from '../harness/options.mjs';
import { bytesLabel, printTable, ratio, statCells, time } from '../report/format.mjs';
import { median, rotate } from '../report/statistics.mjs';
import { target } from '../report/transcript.mjs';

/** Runs scenario E in `bench` (see run.mjs), prints its table and targets, and puts its samples in `results.E`. */
export async function scenarioE(bench) {
  const { P, eBytes, poolContenders, poolSample, call, gc, heapUsed, heapAfter, results, profiling, profile } = bench;
  const E_BYTES = eBytes;
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
