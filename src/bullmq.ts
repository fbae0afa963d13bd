/// <reference types="node" />
/**
 * offthread/bullmq: the same tasks, run by BullMQ workers on your servers (Node only). `serveBullmq` runs a
 * `defineTasks` module as BullMQ processors; `createBridge` is the HTTP side a page (or any client) adds,
 * follows and cancels those jobs through.
 * @packageDocumentation
 */
export { serveBullmq } from './bullmq/serve-bullmq';
export type { BullmqServer, ServeBullmqOptions } from './bullmq/serve-bullmq';
export { createBridge } from './bullmq/create-bridge';
export type { Authorization, Bridge, BridgeJob, BridgeOptions } from './bullmq/create-bridge';
export { toNodeHandler } from './bullmq/node-handler';
export type { AddJobBody, BridgeEvent, ServerJobOptions, ServerJobState, ServerJobView } from './bullmq/protocol';
