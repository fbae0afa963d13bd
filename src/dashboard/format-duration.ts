/**
 * A duration for people: `850 ms`, `4.2 s`, `3 min 05 s`, `2 h 10 min`.
 * @example
 * formatDuration(4_210) // '4.2 s'
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const abs = Math.max(0, ms);
  if (abs < 1_000) return `${Math.round(abs)} ms`;
  if (abs < 10_000) return `${(abs / 1_000).toFixed(1)} s`;
  if (abs < 60_000) return `${Math.round(abs / 1_000)} s`;
  if (abs < 3_600_000) {
    const minutes = Math.floor(abs / 60_000);
    const seconds = Math.floor((abs % 60_000) / 1_000);
    return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
  }
  if (abs < 86_400_000) {
    const hours = Math.floor(abs / 3_600_000);
    return `${hours} h ${String(Math.floor((abs % 3_600_000) / 60_000)).padStart(2, '0')} min`;
  }
  const days = Math.floor(abs / 86_400_000);
  return `${days} d ${Math.floor((abs % 86_400_000) / 3_600_000)} h`;
}
