/**
 * A job's result (or progress) as one line of text, cut to `max` characters: strings quoted, objects as JSON,
 * what JSON cannot say (an `ArrayBuffer`, a `Map`, a cycle) by its kind.
 * @example
 * formatValue({ width: 640 }) // '{"width":640}'
 */
export function formatValue(value: unknown, max = 80): string {
  let text: string;
  if (value === undefined) return '—';
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'bigint') text = `${value}n`;
  else if (value instanceof ArrayBuffer) text = `ArrayBuffer(${value.byteLength} bytes)`;
  else if (ArrayBuffer.isView(value)) text = `${value.constructor.name}(${value.byteLength} bytes)`;
  else if (value instanceof Blob) text = `Blob(${value.size} bytes${value.type ? `, ${value.type}` : ''})`;
  else if (value instanceof Map || value instanceof Set) text = `${value.constructor.name}(${value.size})`;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
