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
