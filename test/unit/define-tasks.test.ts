import { describe, expect, it } from 'vitest';
import { defineTasks } from '../../src/task/define-tasks';
import type { TaskMap } from '../../src/task/task';

const run = () => 1;
const define = (tasks: unknown) => () => defineTasks(tasks as TaskMap);

describe('defineTasks', () => {
  it('returns the tasks as given', () => {
    const tasks = { a: run, b: { run, attempts: 3, backoff: 500, timeout: 1_000, requiresNetwork: true, serviceWorker: false } };
    expect(defineTasks(tasks)).toBe(tasks);
  });

  it('refuses what is not an object of tasks', () => {
    expect(define(null)).toThrow(new TypeError('Expected defineTasks() to be given an object of task handlers, got null'));
    expect(define({ a: 3 })).toThrow(new TypeError('Expected task "a" to be a function or { run, ...options }, got number'));
    expect(define({ a: { attempts: 2 } })).toThrow(new TypeError('Expected task "a" to be a function or { run, ...options }, got object'));
  });

  it('refuses an unknown option, naming the task and the options it may have', () => {
    expect(define({ a: { run, priority: 2 } })).toThrow(
      new TypeError('Unknown option `priority` of task "a"; expected one of requiresNetwork, serviceWorker, attempts, backoff, timeout'),
    );
    expect(define({ a: { run, retries: 2 } })).toThrow(/^Unknown option `retries` of task "a"/);
  });

  it('refuses a bad default at start-up, saying which task and what was wrong', () => {
    expect(define({ resize: { run, attempts: 0 } })).toThrow(
      new TypeError('Task "resize": Expected `attempts` to be an integer from 1 and up, got `0` (number)'),
    );
    expect(define({ a: { run, timeout: -1 } })).toThrow(
      new TypeError('Task "a": Expected `timeout` to be a finite number of milliseconds from 1 and up, got `-1` (number)'),
    );
    expect(define({ a: { run, backoff: { type: 'linear', delay: 1 } } })).toThrow(
      new TypeError("Task \"a\": Expected `backoff.type` to be 'fixed' or 'exponential', got `\"linear\"` (string)"),
    );
    expect(define({ a: { run, backoff: { type: 'fixed', delay: 1, jitter: 2 } } })).toThrow(/^Task "a": Expected `backoff.jitter` to be a number from 0 to 1/);
    expect(define({ a: { run, requiresNetwork: 'yes' } })).toThrow(new TypeError('Task "a": Expected `requiresNetwork` to be a boolean, got `"yes"` (string)'));
    expect(define({ a: { run, serviceWorker: 0 } })).toThrow(new TypeError('Task "a": Expected `serviceWorker` to be a boolean, got `0` (number)'));
  });
});
