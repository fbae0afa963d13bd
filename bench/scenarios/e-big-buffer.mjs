// E: a big ArrayBuffer to one worker and back, copied and transferred: nothing copied unless asked.
import process from 'node:process';
import { noteLoad } from '../harness/machine-load.mjs';
import { LABELS } from '../harness/options.mjs';
import { explain, profileLines } from '../report/diagnosis.mjs';
import { bytesLabel, cpuCell, printTable, spreadCell, statCells, time } from '../report/format.mjs';
import { median, perRound, rotate, spread } from '../report/statistics.mjs';
import { target } from '../report/transcript.mjs';

/** Runs scenario E in `bench` (see run.mjs), prints its table and targets, and puts its samples in `results.E`. */
export async function scenarioE(bench) {
  const { P, eBytes, poolContenders, poolSample, measuredCall, call, gc, heapUsed, heapAfter, results, profiling, profile } = bench;
  const E_BYTES = eBytes;
  noteLoad('E', 'start');
  const { rounds } = P.E;
  console.log(`\nE: a ${bytesLabel(E_BYTES)} ArrayBuffer to a worker and back: ${rounds} rounds`);
  const variants = poolContenders.flatMap((id) => [{ id, mode: 'copy' }, { id, mode: 'transfer' }]);
  const key = (v) => `${v.id}/${v.mode}`;
  // What the persisted transfer is judged against: one IndexedDB put of the buffer, taken in the same rounds.
  const PUT = 'idb-put';
  const samples = Object.fromEntries([...variants.map((v) => [key(v), []]), [PUT, []]]);
  for (let r = 0; r < rounds; r++) {
    for (const v of rotate([...variants, PUT], r)) {
      if (v === PUT) {
        await gc();
        samples[PUT].push(await measuredCall('idbPutBuffer', E_BYTES));
      } else samples[key(v)].push(await poolSample(v.id, 1, 'bigBuffer', E_BYTES, v.mode));
    }
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
    [`  IndexedDB, one put of the ${bytesLabel(E_BYTES)} buffer in its own transaction (the median of 3 per sample): ${time(median(wall(PUT)))} (${time(Math.min(...wall(PUT)))}..${time(Math.max(...wall(PUT)))})`],
  );
  const t = spread(perRound(wall('offthread-memory/transfer'), wall('raw/transfer')));
  target('E', 'memory transfer within 1.5 × raw\'s time (per round)', `${spreadCell(t)}; ${time(median(wall('offthread-memory/transfer')))} vs ${time(median(wall('raw/transfer')))}`, t.median <= 1.5, t.median, 'E-memory');
  const moved = !!samples['offthread-memory/transfer']?.every((m) => m.senderDetached && m.arrived) && !!samples['offthread-memory/copy']?.every((m) => !m.senderDetached && m.arrived);
  target('E', 'memory: nothing copied unless the caller asked (transfer moves; copy keeps the sender\'s buffer)', moved ? 'moved when transferred, kept when copied' : 'no', moved, samples['offthread-memory/transfer'] ? 1 : NaN);
  const idbTransfer = wall('offthread-idb/transfer');
  const bound = perRound(wall(PUT), wall('raw/transfer'), (put, raw) => put + 1.5 * raw);
  const e = spread(perRound(idbTransfer, bound));
  target(
    'E',
    `persisted: a ${bytesLabel(E_BYTES)} buffer, transfer asked ≤ one IndexedDB put of it + 1.5 × raw transfer (per round)`,
    `${spreadCell(e)}; ${time(median(idbTransfer))} vs ${time(median(bound))} (put ${time(median(wall(PUT)))}; copied: ${time(median(wall('offthread-idb/copy')))})`,
    e.median <= 1,
    e.median,
    'E-idb',
  );
  const cpuOf = (k, field) => cpuCell(samples[k] ?? [], field);
  const sender = (k) => (samples[k]?.every((m) => m.senderDetached) ? 'moved (detached)' : samples[k]?.some((m) => m.senderDetached) ? 'moved in some samples only' : 'kept: it was copied');
  explain('E-idb', [
    `the sender's buffer after a round trip with transfer asked: offthread IndexedDB ${sender('offthread-idb/transfer')}; offthread memory ${sender('offthread-memory/transfer')}`,
    `CPU per sample (median, Linux /proc; a sample is 10 transferred round trips and 20 of 1 KiB): offthread IndexedDB's page ${cpuOf('offthread-idb/transfer', 'mainMs')}, worker ${cpuOf('offthread-idb/transfer', 'workersMs')}, browser ${cpuOf('offthread-idb/transfer', 'browserMs')}; one put's (3 puts): page ${cpuOf(PUT, 'mainMs')}, browser ${cpuOf(PUT, 'browserMs')}`,
  ]);
  noteLoad('E', 'end');
  heapAfter.E = await heapUsed();
  results.E = { params: { ...P.E, bytes: E_BYTES }, unit: 'ms wall time per sample', samples };
  if (profiling) {
    // 200 transferred round trips (one buffer made and filled per 10), against raw's for what the floor costs;
    // 20 through the IndexedDB queue (a quarter of a second each).
    for (const id of ['offthread-memory', 'raw', 'offthread-idb']) {
      const samplesOf = id === 'offthread-idb' ? 2 : 20;
      await call('start', id, 1);
      await gc();
      const made = await profile(`E-${id}-transfer`, async () => {
        const times = [];
        for (let i = 0; i < samplesOf; i++) times.push((await call('bigBuffer', E_BYTES, 'transfer')).wallMs);
        return { medianMs: median(times) };
      }, { heap: id !== 'offthread-idb' });
      await call('stop');
      const what = `${samplesOf * 10} transferred round trips of ${bytesLabel(E_BYTES)} (and ${samplesOf * 20} of 1 KiB; the page fills a new buffer every 10)`;
      if (id !== 'raw') explain(id === 'offthread-idb' ? 'E-idb' : 'E-memory', profileLines(made, samplesOf * 10, what));
      else explain('E-memory', [`  raw's profile, for the floor: main thread busy ${time(made.busyMs / (samplesOf * 10))} per round trip`]);
    }
  }
}
