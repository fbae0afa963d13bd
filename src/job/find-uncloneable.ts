/** Where data cannot be sent to a worker or stored, and why. */
export interface CloneProblem {
  /** As `data.items[3].callback`. */
  path: string;
  /** As `is a function`. */
  reason: string;
  /** What reading that place threw (a getter, a Proxy's trap), or what cloning it threw. */
  cause?: unknown;
}

/** Built-in objects the structured clone algorithm copies whole, keeping their type. */
const CLONEABLE_LEAVES: string[] = [
  'Date', 'RegExp', 'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Blob', 'File', 'FileList', 'ImageData',
  'ImageBitmap', 'CryptoKey', 'DOMMatrix', 'DOMMatrixReadOnly', 'DOMPoint', 'DOMPointReadOnly', 'DOMRect',
  'DOMRectReadOnly', 'DOMQuad', 'Boolean', 'Number', 'String', 'BigInt', 'Error', 'OffscreenCanvas',
  'ReadableStream', 'WritableStream', 'TransformStream', 'MessagePort', 'VideoFrame', 'AudioData', 'RTCCertificate',
];
const NOT_CLONEABLE: string[] = ['Promise', 'WeakMap', 'WeakSet', 'WeakRef', 'Request', 'Response', 'Headers', 'Worker', 'Window'];

function constructorsNamed(names: string[]): Function[] {
  const scope = globalThis as unknown as Record<string, unknown>;
  return names.map((name) => scope[name]).filter((c): c is Function => typeof c === 'function');
}

let leaves: Function[] | undefined;
let refused: Function[] | undefined;

/** How a walk goes: what it has seen, whether class instances are fine, and whether each object is cloned too. */
interface Walk {
  seen: WeakSet<object>;
  classes: boolean;
  /** Clone each object once its parts are found fine: the first that throws is the deepest that does not clone. */
  probe: boolean;
}

/**
 * Finds the first place in `value` that the structured clone algorithm would refuse, or would copy into
 * something else: a function, a symbol, a DOM node, a Promise, or an instance of a class (which arrives
 * as a plain object without its prototype); also a property whose getter (or Proxy trap) throws. Returns
 * `undefined` when all of it clones faithfully.
 *
 * A Proxy looks like what it wraps to any code that reads it, and only the clone itself refuses it: with
 * `clone: true`, once the walk finds nothing, `value` is cloned once (`structuredClone`), and if that throws,
 * walked again cloning each part, to name the place. Costs a copy of `value`: give it where the value would be
 * copied anyway (it is stored, or sent), and not for a value whose buffers are to be transferred.
 */
export function findUncloneable(
  value: unknown,
  path = 'data',
  options: { allowClassInstances?: boolean; clone?: boolean } = {},
): CloneProblem | undefined {
  // Primitives, the common payload of tiny jobs, are cloneable: no walk, no allocation.
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) return undefined;
  leaves ??= constructorsNamed(CLONEABLE_LEAVES);
  refused ??= constructorsNamed(NOT_CLONEABLE);
  const classes = options.allowClassInstances ?? false;
  const problem = visit(value, path, { seen: new WeakSet(), classes, probe: false });
  if (problem || !options.clone || typeof structuredClone !== 'function') return problem;
  try {
    structuredClone(value);
    return undefined;
  } catch {
    return visit(value, path, { seen: new WeakSet(), classes, probe: true });
  }
}

/** {@link walk}, with what reading `value` throws (a Proxy's trap, a getter) as the problem at `path`. */
function visit(value: unknown, path: string, w: Walk): CloneProblem | undefined {
  try {
    const problem = walk(value, path, w);
    if (problem || !w.probe || typeof value !== 'object' || value === null) return problem;
    structuredClone(value);
    return undefined;
  } catch (error) {
    const reason =
      error instanceof DOMException && error.name === 'DataCloneError'
        ? `cannot be cloned (a Proxy?): ${errorText(error)}`
        : `could not be read (${errorText(error)})`;
    return { path, reason, cause: error };
  }
}

function errorText(error: unknown): string {
  try {
    return String(error);
  } catch {
    return 'an error that could not be read';
  }
}

function walk(value: unknown, path: string, w: Walk): CloneProblem | undefined {
  switch (typeof value) {
    case 'function':
      return { path, reason: 'is a function' };
    case 'symbol':
      return { path, reason: 'is a symbol' };
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null || w.seen.has(value)) return undefined;
  w.seen.add(value);

  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = visit(value[i], `${path}[${i}]`, w);
      if (problem) return problem;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype || proto === null) {
    for (const key of Object.keys(value)) {
      const problem = property(value, key, path, w);
      if (problem) return problem;
    }
    return undefined;
  }
  if (ArrayBuffer.isView(value) || leaves!.some((c) => value instanceof c)) return undefined;
  if (value instanceof Map) {
    let i = 0;
    for (const [k, v] of value) {
      const problem = visit(k, `${path}.keys()[${i}]`, w) ?? visit(v, `${path}.get(${keyLabel(k)})`, w);
      if (problem) return problem;
      i++;
    }
    return undefined;
  }
  if (value instanceof Set) {
    let i = 0;
    for (const v of value) {
      const problem = visit(v, `${path}.values()[${i++}]`, w);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof Node === 'function' && value instanceof Node) return { path, reason: 'is a DOM node' };
  const className = (proto as { constructor?: { name?: string } }).constructor?.name || 'anonymous';
  if (refused!.some((c) => value instanceof c)) return { path, reason: `is a ${className}, which cannot be cloned` };
  if (w.classes) {
    for (const key of Object.keys(value)) {
      const problem = property(value, key, path, w);
      if (problem) return problem;
    }
    return undefined;
  }
  return {
    path,
    reason: `is an instance of class ${className}; it would arrive as a plain object without its prototype and methods (send plain data)`,
  };
}

/** Walks the property `key` of `value`; a getter that throws is the problem at its path, its error the cause. */
function property(value: object, key: string, path: string, w: Walk): CloneProblem | undefined {
  const at = pathOf(path, key);
  let child: unknown;
  try {
    child = (value as Record<string, unknown>)[key];
  } catch (error) {
    return { path: at, reason: `could not be read: its getter threw ${errorText(error)}`, cause: error };
  }
  return visit(child, at, w);
}

function pathOf(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function keyLabel(key: unknown): string {
  return typeof key === 'string' ? JSON.stringify(key) : typeof key === 'object' ? '…' : String(key);
}
