/** A random id, unique enough to key jobs and runs (works where `crypto.randomUUID` is missing: plain http). */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let id = '';
  for (const byte of bytes) id += byte.toString(16).padStart(2, '0');
  return id;
}
