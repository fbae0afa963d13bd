const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
/** Random bytes drawn in bulk: one `getRandomValues` call serves many ids. */
const pool = new Uint8Array(3072);
let used = pool.length;

/**
 * A random id of 24 hex digits (96 bits), unique enough to key jobs and runs across tabs and reloads
 * (works where `crypto.randomUUID` is missing: plain http).
 */
export function newId(): string {
  if (used + 12 > pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  let id = '';
  for (const end = used + 12; used < end; used++) id += HEX[pool[used]!];
  return id;
}
