/** The two hex digits of each byte, as char codes. */
const HEX_CODES = new Uint8Array(512);
for (let byte = 0; byte < 256; byte++) {
  const hex = byte.toString(16).padStart(2, '0');
  HEX_CODES[2 * byte] = hex.charCodeAt(0);
  HEX_CODES[2 * byte + 1] = hex.charCodeAt(1);
}
/** Random bytes drawn in bulk: one `getRandomValues` call serves many ids. */
const pool = new Uint8Array(3072);
let used = pool.length;
/** The char codes of the id being made, reused: the id is made as one string, not joined piece by piece. */
const codes: number[] = new Array<number>(24).fill(0);
/** The millisecond of the last id, and its counter (two 24-bit halves): ids of one millisecond count up from a random start. */
let lastMs = -1;
let counterHigh = 0;
let counterLow = 0;
const TWO_24 = 0x100_0000;

/**
 * An id of 24 hex digits: 12 of the time it was made (ms since 1970), then a 48-bit counter that starts at
 * random each millisecond and counts up within it. Works where `crypto.randomUUID` is missing (plain http).
 * - Ids made together sort together. IndexedDB keeps rows in key order, so the jobs of a burst sit side by
 *   side, and a claim reads a batch of them from a few pages; random ids would scatter them over the whole
 *   store, and a claim in a store of a million jobs would read a page per job.
 * - Unique in a thread; two threads collide only if they make ids in the same millisecond with counters
 *   less than the number of ids apart (odds of about n / 2^47).
 * - It allocates only the string it returns: two are made per job.
 */
export function newId(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    writeHex(0, Math.floor(ms / TWO_24) % TWO_24);
    writeHex(6, ms % TWO_24);
    if (used + 6 > pool.length) {
      crypto.getRandomValues(pool);
      used = 0;
    }
    counterHigh = (pool[used++]! << 16) | (pool[used++]! << 8) | pool[used++]!;
    counterLow = (pool[used++]! << 16) | (pool[used++]! << 8) | pool[used++]!;
  } else if (++counterLow === TWO_24) {
    counterLow = 0;
    counterHigh = (counterHigh + 1) % TWO_24;
  }
  writeHex(12, counterHigh);
  writeHex(18, counterLow);
  return String.fromCharCode.apply(null, codes);
}

/** Writes the 24-bit `value` as 6 hex digits at `at` in `codes`. */
function writeHex(at: number, value: number): void {
  for (let shift = 16; shift >= 0; shift -= 8, at += 2) {
    const byte = (value >> shift) & 0xff;
    codes[at] = HEX_CODES[2 * byte]!;
    codes[at + 1] = HEX_CODES[2 * byte + 1]!;
  }
}
