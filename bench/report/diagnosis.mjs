// "What stands in the way, measured": for a target a run misses, what its CPU times and profiles say, kept by the
// target's id for BENCHMARKS.md. Every line is made from numbers the run measured; none is typed in by hand.
import { time } from './format.mjs';

/** The findings by target id, in the order they were made: `{ id, lines }`. */
export const diagnoses = [];

/** Adds `lines` to what is known of target `id`. */
export function explain(id, lines) {
  const found = diagnoses.find((d) => d.id === id);
  if (found) found.lines.push(...lines);
  else diagnoses.push({ id, lines: [...lines] });
}

/** `name [module]` of a profile row, with its time per operation (`ops` per profiled sample). */
const fn = (f, ops) => `\`${f.name}\` [${f.module}] ${time(f.ms / ops)}`;

/**
 * What a profile of `ops` operations says, in lines: where the main thread's time went (self time by module and
 * by function, per operation), and what its longest busy stretch (the longest task) ran.
 */
export function profileLines(entry, ops, what) {
  if (!entry) return [];
  const per = (ms) => time(ms / ops);
  const lines = [
    `profile \`${entry.name}\` (${what}; ${entry.file}): the page's main thread busy ${per(entry.busyMs)} per operation; self time by module: ${entry.byModule
      .slice(0, 6)
      .map((m) => `${m.module} ${per(m.ms)}`)
      .join(', ')}`,
    `  heaviest functions, self time per operation: ${entry.byFunction.slice(0, 8).map((f) => fn(f, ops)).join(', ')}`,
  ];
  if (entry.byFunctionTotal) {
    const own = entry.byFunctionTotal.filter((f) => /^src\//.test(f.module)).slice(0, 6);
    if (own.length) lines.push(`  offthread's functions by total time (with what they call) per operation: ${own.map((f) => fn(f, ops)).join(', ')}`);
  }
  return lines;
}

/** The longest busy stretch of a profile (one task holding the main thread), and what ran in it. */
export function longestTaskLines(entry) {
  const busy = entry?.longestBusy;
  if (!busy) return [];
  const own = busy.byFunctionTotal.filter((f) => /^src\//.test(f.module)).slice(0, 6);
  return [
    `profile \`${entry.name}\` (${entry.file}): the longest stretch with no idle sample on the main thread lasted ${time(busy.ms)}; self time in it: ${busy.byFunction
      .slice(0, 8)
      .map((f) => `\`${f.name}\` [${f.module}] ${time(f.ms)}`)
      .join(', ')}`,
    ...(own.length ? [`  offthread's functions in it by total time (with what they call): ${own.map((f) => `\`${f.name}\` [${f.module}] ${time(f.ms)}`).join(', ')}`] : []),
  ];
}

/**
 * Two profiles of the same `ops` operations at two moments (`before`, `after`): the functions whose self time
 * per operation grew the most between them, and the main thread's busy time per operation in each.
 */
export function growthLines(before, after, ops) {
  if (!before || !after) return [];
  const key = (f) => `${f.name}\u0000${f.module}`;
  const was = new Map(before.byFunction.map((f) => [key(f), f.ms]));
  const grown = after.byFunction
    .map((f) => ({ ...f, grew: f.ms - (was.get(key(f)) ?? 0), was: was.get(key(f)) ?? 0 }))
    .filter((f) => f.grew > 0)
    .sort((a, b) => b.grew - a.grew)
    .slice(0, 8);
  return [
    `profiles \`${before.name}\` and \`${after.name}\`: the main thread busy ${time(before.busyMs / ops)} per job in the first, ${time(after.busyMs / ops)} in the last`,
    `  self time per job that grew the most, first → last: ${grown.length ? grown.map((f) => `\`${f.name}\` [${f.module}] ${time(f.was / ops)} → ${time(f.ms / ops)}`).join(', ') : 'none grew'}`,
  ];
}

/**
 * The page's IndexedDB requests (bench/page/idb-trace.ts) over `jobs` jobs at two moments: per job, how many of
 * each kind, the rows they returned or walked, and their time from call to success, heaviest last first.
 */
export function traceLines(before, after, jobs, what) {
  if (!before || !after) return [];
  const kinds = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const zero = { calls: 0, ms: 0, rows: 0 };
  const per = (r) => `${+(r.calls / jobs).toFixed(2)}×, ${+(r.rows / jobs).toFixed(1)} rows, ${time(r.ms / jobs)}`;
  const rows = kinds
    .map((k) => ({ k, a: before[k] ?? zero, b: after[k] ?? zero }))
    .sort((x, y) => y.b.ms - x.b.ms || y.b.rows - x.b.rows)
    .slice(0, 10);
  const total = (t) => Object.values(t).reduce((sum, r) => sum + r.calls, 0) / jobs;
  return [
    `the page's IndexedDB requests per job (${what}; counted in the page, call to success): ${+total(before).toFixed(1)} → ${+total(after).toFixed(1)} requests`,
    ...rows.map(({ k, a, b }) => `  \`${k}\`: ${per(a)} → ${per(b)}`),
  ];
}
