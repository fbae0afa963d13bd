// A box blur over RGBA pixels, one horizontal and one vertical sweep per pass. Each output pixel sums the
// whole (2r + 1)-wide window rather than keeping a running sum: slower on purpose, so that a 256 x 256
// image takes a visible fraction of a second, which is what the demo wants to show off the main thread.

/** Blurs `src` (RGBA, `width` x `height`) once with a box of radius `radius`; writes into `dst`. */
export function boxBlurPass(
  src: Uint8ClampedArray,
  dst: Uint8ClampedArray,
  tmp: Uint8ClampedArray,
  width: number,
  height: number,
  radius: number,
): void {
  sweep(src, tmp, width, height, radius, 4, width * 4); // along rows
  sweep(tmp, dst, height, width, radius, width * 4, 4); // along columns
}

/**
 * Averages along lines of `length` pixels (`step` bytes apart); there are `lines` lines, `lineStep` bytes apart.
 * Edges clamp: the first and last pixels stand in for what lies beyond the image.
 */
function sweep(
  src: Uint8ClampedArray,
  dst: Uint8ClampedArray,
  length: number,
  lines: number,
  radius: number,
  step: number,
  lineStep: number,
): void {
  const size = 2 * radius + 1;
  for (let line = 0; line < lines; line++) {
    const base = line * lineStep;
    for (let i = 0; i < length; i++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let k = i - radius; k <= i + radius; k++) {
        const at = base + (k < 0 ? 0 : k >= length ? length - 1 : k) * step;
        r += src[at]!;
        g += src[at + 1]!;
        b += src[at + 2]!;
        a += src[at + 3]!;
      }
      const out = base + i * step;
      dst[out] = r / size;
      dst[out + 1] = g / size;
      dst[out + 2] = b / size;
      dst[out + 3] = a / size;
    }
  }
}
