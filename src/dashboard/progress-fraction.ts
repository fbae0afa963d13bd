/**
 * A job's progress as a fraction from 0 to 1, when it is a number (from 0 to 1, or a percentage from
 * over 1 up to 100) or `{ done, total }`; `undefined` for other values, which are shown as text.
 * @example
 * progressFraction(0.25)                  // 0.25
 * progressFraction(40)                    // 0.4
 * progressFraction({ done: 3, total: 4 }) // 0.75
 */
export function progressFraction(progress: unknown): number | undefined {
  if (typeof progress === 'number' && Number.isFinite(progress)) {
    return clamp(progress > 1 ? progress / 100 : progress);
  }
  if (typeof progress === 'object' && progress !== null) {
    const { done, total } = progress as { done?: unknown; total?: unknown };
    if (typeof done === 'number' && typeof total === 'number' && total > 0) return clamp(done / total);
  }
  return undefined;
}

function clamp(fraction: number): number {
  return Math.min(1, Math.max(0, fraction));
}
