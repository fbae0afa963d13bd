// How numbers read in the tables, and the tables themselves (printed with console.log, so the transcript keeps them).
import { max, median, min } from './statistics.mjs';

/** Milliseconds as µs, ms or s, with the digits that matter. */
export function time(ms) {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1) return `${(ms * 1000).toFixed(ms < 0.1 ? 1 : 0)} µs`;
  if (ms < 100) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}
export const rate = (perSecond) => (perSecond >= 10_000 ? `${(perSecond / 1000).toFixed(1)}k/s` : perSecond >= 100 ? `${Math.round(perSecond)}/s` : `${perSecond.toFixed(1)}/s`);
export const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '-');
export const mb = (bytes) => `${(bytes / 1_048_576).toFixed(1)} MB`;
/** 33554432 as `32 MiB`, 1024 as `1 KiB`, 100 as `100 B`. */
export const bytesLabel = (n) => (n >= 1 << 20 ? `${+(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${+(n / 1024).toFixed(1)} KiB` : `${n} B`);

/** Prints a table: the first column left-aligned, the others right-aligned, then its notes. */
export function printTable(title, header, rows, notes = []) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c ?? '').padEnd(widths[i]) : String(c ?? '').padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  for (const note of notes) console.log(note);
}

/** A row's standard cells: median, min..max, ops/s (from `perSample` operations per sample), then ratios of medians. */
export function statCells(samples, perSample, anchors) {
  const m = median(samples);
  const cells = [time(m), `${time(min(samples))}..${time(max(samples))}`, perSample ? rate((perSample * 1000) / m) : ''];
  for (const anchor of anchors) cells.push(anchor ? ratio(m / median(anchor)) : '-');
  return cells;
}

/** The median of one CPU field over samples that carry CPU times, as a time; '-' without them. */
export function cpuCell(samples, field, per = 1) {
  const values = samples.map((m) => m?.cpu?.[field]).filter((v) => v !== undefined);
  return values.length ? time(median(values) / per) : '-';
}

/** Per-round ratios (statistics.mjs `spread`) as `1.66× (1.40×..1.90× over 10 rounds)`. */
export const spreadCell = (s) => (s.values.length ? `${ratio(s.median)} (${ratio(s.min)}..${ratio(s.max)} over ${s.values.length} round${s.values.length > 1 ? 's' : ''})` : '-');
