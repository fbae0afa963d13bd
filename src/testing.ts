/**
 * offthread/testing: an inline queue for tests of application code, in Node, jsdom or happy-dom as in a browser.
 * @packageDocumentation
 */
export { createTestQueue, TestQueue } from './testing/create-test-queue';
export type { TestQueueOptions } from './testing/create-test-queue';
export { TestClock } from './testing/test-clock';
