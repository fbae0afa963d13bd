// Statistics over a scenario's samples (arrays of numbers; NaN when there are none).

/** The median; NaN for no values. */
export const median = (values) => {
  if (!values?.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** The value below which a share `p` (0 to 1) of the values lie. */
export const percentile = (values, p) => (values?.length ? [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] : NaN);
export const min = (values) => (values?.length ? Math.min(...values) : NaN);
export const max = (values) => (values?.length ? Math.max(...values) : NaN);

/** `list` turned by `r` places: each round runs the contenders in another order. */
export const rotate = (list, r) => [...list.slice(r % list.length), ...list.slice(0, r % list.length)];

/**
 * Round by round, `of(numerator[i], denominator[i])` (by default their quotient): sample `i` of each was taken
 * in the same round, so the noise a round shares cancels out. Rounds that lack either sample (a contender left
 * out of some rounds, a non-finite value) are skipped.
 */
export function perRound(numerator, denominator, of = (x, y) => x / y) {
  const ratios = [];
  const n = Math.min(numerator?.length ?? 0, denominator?.length ?? 0);
  for (let i = 0; i < n; i++) {
    const r = of(numerator[i], denominator[i]);
    if (Number.isFinite(r)) ratios.push(r);
  }
  return ratios;
}

/** The median of per-round values, their range and the values themselves (NaN and none without any round). */
export const spread = (values) => ({ median: median(values), min: min(values), max: max(values), values });

/** The first `n` and the last `n` of `values` (fewer if it holds under 2 × `n`: then the halves). */
export function ends(values, n) {
  const k = Math.min(n, Math.floor(values.length / 2));
  return { first: values.slice(0, k), last: values.slice(values.length - k) };
}
