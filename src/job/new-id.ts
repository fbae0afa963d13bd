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

/**
 * A random id of 24 hex digits (96 bits), unique enough to key jobs and runs across tabs and reloads
 * (works where `crypto.randomUUID` is missing: plain http). Two are made per job, so it allocates only the
 * string it returns (joining 12 pieces made 11 strings that were garbage at once).
 */
export function newId(): string {
  if (used + 12 > pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  for (let i = 0; i < 24; i += 2) {
    const byte = pool[used++]!;
    codes[i] = HEX_CODES[2 * byte]!;
    codes[i + 1] = HEX_CODES[2 * byte + 1]!;
  }
  return String.fromCharCode.apply(null, codes);
}
