import { JOB_STATES } from '../job/job';
import type { JobRow } from './queue-db';

const STATES = new Set<unknown>(JOB_STATES);
const OUTCOMES = new Set<unknown>(['completed', 'failed', 'stalled', 'cancelled']);

/** What a field must be, and the words that say so. */
type Kind = 'finite' | 'int0' | 'int1' | 'finite?' | 'string?';
const EXPECTED: Record<Kind, string> = {
  finite: 'a finite number',
  int0: 'an integer from 0 and up',
  int1: 'an integer from 1 and up',
  'finite?': 'a finite number or nothing',
  'string?': 'a string or nothing',
};
/** The fields of a job row whose type is checked, in the order checked. */
const FIELDS: ReadonlyArray<readonly [string, Kind]> = [
  ['priority', 'finite'],
  ['seq', 'int0'],
  ['attempt', 'int0'],
  ['attempts', 'int1'],
  ['stalls', 'int0'],
  ['runAt', 'finite'],
  ['createdAt', 'finite'],
  ['startedAt', 'finite?'],
  ['finishedAt', 'finite?'],
  ['leaseUntil', 'finite?'],
  ['unansweredSince', 'finite?'],
  ['token', 'string?'],
  ['owner', 'string?'],
  ['ranBy', 'string?'],
];

/**
 * What is wrong with a row read from the `jobs` store, naming the field (`state is 'bogus', expected one of
 * waiting, delayed, ...`); `undefined` if it is a job this code can use. A `corrupt` row (put aside earlier) is
 * fine as such. The index keys are not looked at here (see {@link hasStaleKeys}): they are derived, and
 * written again from the fields rather than refused. `data` may be missing: `undefined` data is a job's own.
 *
 * A few property reads and comparisons per row: every row a claim or a commit reads goes through it.
 */
export function checkJobRow(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return wrong('the record', value, 'an object');
  const row = value as Record<string, unknown>;
  const { id, state } = row;
  if (typeof id !== 'string') return wrong('id', id, 'a string', true);
  if (state === 'corrupt') return hasReason(row) ? undefined : wrong('quarantine', row.quarantine, 'what was found wrong');
  if (!STATES.has(state)) return wrong('state', state, `one of ${JOB_STATES.join(', ')}`, true);
  if (typeof row.name !== 'string') return wrong('name', row.name, 'a string', true);
  // Straight-line on the hot path; the table is walked only to say which field is wrong.
  const { priority, seq, attempt, attempts, stalls, runAt, createdAt, startedAt, finishedAt, leaseUntil, unansweredSince, token, owner, ranBy } = row;
  if (
    !(
      isFinite(priority) &&
      isCount(seq, 0) &&
      isCount(attempt, 0) &&
      isCount(attempts, 1) &&
      isCount(stalls, 0) &&
      isFinite(runAt) &&
      isFinite(createdAt) &&
      (startedAt === undefined || isFinite(startedAt)) &&
      (finishedAt === undefined || isFinite(finishedAt)) &&
      (leaseUntil === undefined || isFinite(leaseUntil)) &&
      (unansweredSince === undefined || isFinite(unansweredSince)) &&
      (token === undefined || typeof token === 'string') &&
      (owner === undefined || typeof owner === 'string') &&
      (ranBy === undefined || typeof ranBy === 'string')
    )
  ) {
    for (const [field, kind] of FIELDS) if (!isKind(row[field], kind)) return wrong(field, row[field], EXPECTED[kind]);
  }
  if (typeof row.requiresNetwork !== 'boolean') return wrong('requiresNetwork', row.requiresNetwork, 'a boolean');
  const { timeout, backoff, error, history } = row;
  if (timeout !== undefined && !(isFinite(timeout) && timeout > 0)) return wrong('timeout', timeout, 'milliseconds above 0');
  const { type, delay } = (backoff ?? {}) as { type?: unknown; delay?: unknown };
  if (backoff !== undefined && !(typeof backoff === 'object' && (type === 'fixed' || type === 'exponential') && isFinite(delay))) {
    return wrong('backoff', backoff, "{ type: 'fixed' | 'exponential', delay }");
  }
  if (error !== undefined && !(typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string')) {
    return wrong('error', error, '{ name, message }');
  }
  if (!Array.isArray(history)) return wrong('history', history, 'an array');
  for (let i = 0; i < history.length; i++) {
    const entry = history[i] as { attempt?: unknown; outcome?: unknown } | null;
    if (typeof entry?.attempt !== 'number' || !OUTCOMES.has(entry.outcome)) return wrong(`history[${i}]`, entry, '{ attempt, outcome, startedAt, finishedAt }');
  }
  if (state === 'active' && (row.token === undefined || row.owner === undefined)) return `state is 'active' but ${row.token === undefined ? 'token' : 'owner'} is missing`;
  if (row.finishedAt === undefined && (state === 'completed' || state === 'failed' || state === 'cancelled')) return `state is '${state}' but finishedAt is missing`;
  return undefined;
}

/**
 * Whether a sound row's index keys disagree with its fields (missing, left over from another state, or out
 * of step): the row is then written again with the keys its fields give, which loses nothing. A row in the
 * `ready` index that says `completed` is a completed job with a stale key, and leaves the line.
 */
export function hasStaleKeys(row: JobRow): boolean {
  const { state, seq, stateKey, readyKey, dueKey, finishedKey } = row;
  if (stateKey?.[0] !== state || stateKey[1] !== seq) return true;
  if (state === 'waiting') {
    return (
      dueKey !== undefined ||
      finishedKey !== undefined ||
      readyKey?.[0] !== (row.requiresNetwork ? 1 : 0) ||
      readyKey[1] !== -row.priority ||
      readyKey[2] !== row.runAt ||
      readyKey[3] !== seq
    );
  }
  if (readyKey !== undefined) return true;
  if (state === 'delayed') return finishedKey !== undefined || dueKey?.[0] !== row.runAt || dueKey[1] !== seq;
  if (dueKey !== undefined) return true;
  if (row.finishedAt === undefined || state === 'active' || state === 'corrupt') return finishedKey !== undefined;
  return finishedKey?.[0] !== state || finishedKey[1] !== row.finishedAt || finishedKey[2] !== seq;
}

/** Whether a record put aside (a `corrupt` job, a schedule) has what was found wrong with it. */
export function hasReason(row: Record<string, unknown>): boolean {
  return typeof (row.quarantine as { reason?: unknown } | null | undefined)?.reason === 'string';
}

function isKind(value: unknown, kind: Kind): boolean {
  if (kind === 'string?') return value === undefined || typeof value === 'string';
  if (kind === 'finite?') return value === undefined || isFinite(value);
  return kind === 'finite' ? isFinite(value) : Number.isInteger(value) && (value as number) >= (kind === 'int1' ? 1 : 0);
}

function isCount(value: unknown, min: number): boolean {
  return typeof value === 'number' && value >= min && Number.isInteger(value);
}

function isFinite(value: unknown): value is number {
  return typeof value === 'number' && value - value === 0;
}

/** `field is <what was there>, expected <what>`: the reason a record is put aside. */
export function wrong(field: string, value: unknown, expected: string, bare?: boolean): string {
  return `${field} is ${shown(value, bare)}, expected ${expected}`;
}

/**
 * A stored value as a reason shows it: `'bogus'`, `NaN`, `-1`, `missing`, `an array`. A string is marked as one
 * where another type was expected (`'5' (a string)`), unless `bare`.
 */
function shown(value: unknown, bare?: boolean): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'${bare ? '' : ' (a string)'}`;
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? `a ${typeof value}` : String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
