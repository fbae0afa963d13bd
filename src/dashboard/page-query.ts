/** How to read one page of a newest-first list from the store. */
export interface PageQuery {
  offset: number;
  limit: number;
  order: 'asc' | 'desc';
  /** Whether the rows come oldest first and must be reversed to show newest first. */
  reversed: boolean;
}

/**
 * The store query for rows `offset` to `offset + limit` of a newest-first list of `total` jobs. A page past
 * the middle is read from the oldest end, so the store's cursor never skips more than half the jobs
 * (the last page of 100,000 costs what the first does).
 * @example
 * pageQuery(9_975, 25, 10_000) // { offset: 0, limit: 25, order: 'asc', reversed: true }
 */
export function pageQuery(offset: number, limit: number, total: number): PageQuery {
  const fromOldest = total - offset - limit;
  if (offset > 0 && fromOldest < offset && offset < total) {
    return { offset: Math.max(0, fromOldest), limit: Math.min(limit, total - offset), order: 'asc', reversed: true };
  }
  return { offset, limit, order: 'desc', reversed: false };
}
