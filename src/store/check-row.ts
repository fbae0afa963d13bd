import { JOB_STATES } from '../job/job';
import type { JobRow } from './queue-db';

const STATES = new Set<unknown>(JOB_STATES);
const STATE_LIST = JOB_STATES.join(', ');
const OUTCOMES = new Set<unknown>(['completed', 'failed', 'stalled', 'cancelled']);

/**
 * What is wrong with a row read from the `jobs` store, naming the field (`state is 'bogus', expected one of
 * waiting, delayed, ...`); `undefined` if it is a job this code can use. A `corrupt` row (put aside earlier) is
 * fine as such. The index keys are not looked at here (see {@link hasStaleKeys}): they are derived, and
 * rewritten from the fields rather than refused.
 *
 * A few property reads and comparisons per row: every row a claim or a commit reads goes through it.
 */
export function checkJobRow(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `the record is ${shown(value)}, expected an object`;
  const row = value as Record<string, unknown>;
  const { id, state } = row;
  if (typeof id !== 'string') return `id is ${shown(id, true)}, expected a string`;
  if (state === 'corrupt') {
    const quarantine = row.quarantine as { reason?: unknown } | undefined;
    return typeof quarantine === 'object' && quarantine !== null && typeof quarantine.reason === 'string'
      ? undefined
      : `state is 'corrupt' but quarantine is ${shown(quarantine)}, expected what was found wrong`;
  }
  if (!STATES.has(state)) return `state is ${shown(state, true)}, expected one of ${STATE_LIST}`;
  if (typeof row.name !== 'string') return `name is ${shown(row.name, true)}, expected a string`;
  const problem =
    finite(row, 'priority') ??
    integer(row, 'seq', 0) ??
    integer(row, 'attempt', 0) ??
    integer(row, 'attempts', 1) ??
    integer(row, 'stalls', 0) ??
    finite(row, 'runAt') ??
    finite(row, 'createdAt') ??
    optionalFinite(row, 'startedAt') ??
    optionalFinite(row, 'finishedAt') ??
    optionalFinite(row, 'leaseUntil') ??
    optionalFinite(row, 'unansweredSince') ??
    optionalString(row, 'token') ??
    optionalString(row, 'owner') ??
    optionalString(row, 'ranBy');
  if (problem) return problem;
  if (typeof row.requiresNetwork !== 'boolean') return `requiresNetwork is ${shown(row.requiresNetwork)}, expected a boolean`;
  const { timeout, backoff, error, history } = row;
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0 && timeout < Infinity)) {
    return `timeout is ${shown(timeout)}, expected milliseconds above 0`;
  }
  if (backoff !== undefined) {
    const { type, delay } = (backoff ?? {}) as { type?: unknown; delay?: unknown };
    if (typeof backoff !== 'object' || backoff === null || (type !== 'fixed' && type !== 'exponential') || !isFinite(delay)) {
      return `backoff is ${shown(backoff)}, expected { type: 'fixed' | 'exponential', delay }`;
    }
  }
  if (error !== undefined && !isErrorData(error)) return `error is ${shown(error)}, expected { name, message }`;
  if (!Array.isArray(history)) return `history is ${shown(history)}, expected an array`;
  for (let i = 0; i < history.length; i++) {
    const entry = history[i] as { attempt?: unknown; outcome?: unknown } | null;
    if (typeof entry !== 'object' || entry === null || typeof entry.attempt !== 'number' || !OUTCOMES.has(entry.outcome)) {
      return `history[${i}] is ${shown(entry)}, expected { attempt, outcome, startedAt, finishedAt }`;
    }
  }
  if (state === 'active' && (typeof row.token !== 'string' || typeof row.owner !== 'string')) {
    return `state is 'active' but ${typeof row.token !== 'string' ? 'token' : 'owner'} is missing`;
  }
  if ((state === 'completed' || state === 'failed' || state === 'cancelled') && row.finishedAt === undefined) {
    return `state is '${state}' but finishedAt is missing`;
  }
  return undefined;
}

/**
 * Whether a sound row's index keys disagree with its fields (missing, left over from another state, or out
 * of step): the row is then rewritten with the keys its fields give, which loses nothing. A row in the `ready`
 * index that says `completed` is a completed job with a stale key, and leaves the line.
 */
export function hasStaleKeys(row: JobRow): boolean {
  const { state, seq, stateKey, readyKey, dueKey, finishedKey } = row;
  if (!Array.isArray(stateKey) || stateKey[0] !== state || stateKey[1] !== seq) return true;
  if (state === 'waiting') {
    return (
      dueKey !== undefined ||
      finishedKey !== undefined ||
      !Array.isArray(readyKey) ||
      readyKey[0] !== (row.requiresNetwork ? 1 : 0) ||
      readyKey[1] !== -row.priority ||
      readyKey[2] !== row.runAt ||
      readyKey[3] !== seq
    );
  }
  if (readyKey !== undefined) return true;
  if (state === 'delayed') return finishedKey !== undefined || !Array.isArray(dueKey) || dueKey[0] !== row.runAt || dueKey[1] !== seq;
  if (dueKey !== undefined) return true;
  if (row.finishedAt === undefined || state === 'active' || state === 'corrupt') return finishedKey !== undefined;
  return !Array.isArray(finishedKey) || finishedKey[0] !== state || finishedKey[1] !== row.finishedAt || finishedKey[2] !== seq;
}

function finite(row: Record<string, unknown>, field: string): string | undefined {
  const value = row[field];
  return isFinite(value) ? undefined : `${field} is ${shown(value)}, expected a finite number`;
}

function optionalFinite(row: Record<string, unknown>, field: string): string | undefined {
  const value = row[field];
  return value === undefined || isFinite(value) ? undefined : `${field} is ${shown(value)}, expected a finite number or nothing`;
}

function integer(row: Record<string, unknown>, field: string, min: number): string | undefined {
  const value = row[field];
  return Number.isInteger(value) && (value as number) >= min ? undefined : `${field} is ${shown(value)}, expected an integer from ${min} and up`;
}

function optionalString(row: Record<string, unknown>, field: string): string | undefined {
  const value = row[field];
  return value === undefined || typeof value === 'string' ? undefined : `${field} is ${shown(value)}, expected a string or nothing`;
}

function isFinite(value: unknown): value is number {
  return typeof value === 'number' && value - value === 0;
}

function isErrorData(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string' && typeof (value as { name?: unknown }).name === 'string';
}

/**
 * A stored value as a reason shows it: `'bogus'`, `NaN`, `-1`, `missing`, `an array`. A string is marked as one
 * where another type was expected (`'5' (a string)`), unless `bare`.
 */
export function shown(value: unknown, bare = false): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const text = `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
    return bare ? text : `${text} (a string)`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return `a Date (${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
