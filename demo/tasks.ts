// The demo's tasks. Plain code, no DOM: the worker imports it to run the tasks, the page only its type.
import { defineTasks, transfer } from 'offthread/worker';
import { boxBlurPass } from './blur';
import { countPrimesInRange } from './primes';
import { tourTasks } from './tour-tasks';

/** What a `blur` job is given: RGBA pixels, as the page's canvas made them. */
export interface BlurInput {
  pixels: ArrayBuffer;
  width: number;
  height: number;
  /** Half the box's width, in pixels. */
  radius: number;
  passes: number;
}

/**
 * Lets queued messages in (such as a cancel, which aborts `ctx.signal`) between two slices of work.
 * A MessageChannel round trip, not `setTimeout(0)`: nested timeouts are clamped to 4 ms each.
 */
function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

const SLICES = 50;

const workTasks = defineTasks({
  /** How many primes there are below `n`, counted by trial division in slices, reporting progress. */
  async countPrimes(n: number, ctx) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`Expected a whole number from 0 up, got ${n}`);
    let count = 0;
    for (let slice = 0; slice < SLICES; slice++) {
      // Later numbers cost more to test (√k divisors): slice by the square, so slices take similar time.
      const from = Math.floor(n * (slice / SLICES) ** (2 / 3));
      const to = Math.floor(n * ((slice + 1) / SLICES) ** (2 / 3));
      count += countPrimesInRange(from, to);
      ctx.progress((slice + 1) / SLICES);
      await yieldToMessages();
      ctx.signal.throwIfAborted();
    }
    return count;
  },

  /** Box-blurs an image `passes` times; returns the pixels, moved (not copied) back to the page. */
  async blur(input: BlurInput, ctx) {
    const { width, height, radius, passes } = input;
    let src = new Uint8ClampedArray(input.pixels);
    if (src.length !== width * height * 4) {
      throw new RangeError(`Expected ${width * height * 4} bytes for ${width} x ${height} RGBA, got ${src.length}`);
    }
    let dst = new Uint8ClampedArray(src.length);
    const tmp = new Uint8ClampedArray(src.length);
    // Report (and let a cancel in) about SLICES times, however many passes there are.
    const every = Math.ceil(passes / SLICES);
    for (let pass = 1; pass <= passes; pass++) {
      boxBlurPass(src, dst, tmp, width, height, radius);
      [src, dst] = [dst, src];
      if (pass % every !== 0 && pass !== passes) continue;
      ctx.progress(pass / passes);
      await yieldToMessages();
      ctx.signal.throwIfAborted();
    }
    return transfer(src, [src.buffer]);
  },
});

/** The demo's tasks: the heavy work above, and the tour's (schedule, crashes, network). */
export const tasks = { ...workTasks, ...tourTasks };
export type Tasks = typeof tasks;
