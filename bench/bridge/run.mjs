#!/usr/bin/env node
// The BullMQ bridge, in Node (no browser): jobs per second through the bridge with 1 and 2 serveBullmq
// processes, and the latency the bridge adds to one job over BullMQ alone. Writes bench/results/bridge.json
// and BENCHMARKS.md's bridge section (from that file and latest.json).
//
//   node bench/bridge/run.mjs [--jobs 1000] [--rounds 3] [--latency 200]
//
// Real parts only: a redis-server of its own (scripts/redis.mjs: 127.0.0.1, free port, no persistence), the
// bridge on Node's http in this process, serveBullmq in child processes (the test suite's serve-child), and
// HTTP requests from this process, as a page would send them (POST the job, then read its event stream).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { Queue, QueueEvents } from 'bullmq';
import { bundleForNode } from '../../scripts/node-bundle.mjs';
import { startRedis } from '../../scripts/redis.mjs';
import { resultsDir } from '../harness/paths.mjs';
import { readResults } from '../report/results.mjs';
import { writeBenchmarks } from '../report/benchmarks-markdown.mjs';
import { bridgeLines } from './markdown.mjs';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '3' }, latency: { type: 'string', default: '200' } } });
const JOBS = Number(values.jobs);
const ROUNDS = Number(values.rounds);
const LATENCY_JOBS = Number(values.latency);
/** Requests in flight at once while adding (a page adds one at a time; many pages add at once). */
const IN_FLIGHT = 16;

const started = Date.now();
const [redis, bullmqEntry, serveChild] = await Promise.all([
  startRedis({ log: (line) => console.log(`bridge bench: ${line}`) }),
  bundleForNode('src/bullmq.ts', '.tmp/bench-bridge'),
  bundleForNode('test/bullmq/fixtures/serve-child.ts', '.tmp/bench-bridge'),
]);
const { createBridge, toNodeHandler } = await import(bullmqEntry);
const connection = { host: redis.host, port: redis.port, maxRetriesPerRequest: null };
let queues = 0;

/** A bridge on an http server of its own, for `queue`. */
async function serveBridge(queue) {
  const bridge = createBridge({ connection, queue, authorize: () => true });
  const server = createServer(toNodeHandler(bridge));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/jobs`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await bridge.close();
    },
  };
}

/** `count` serveBullmq processes on `queue`, each with `concurrency`; resolves once all take jobs. */
async function startServers(queue, count, concurrency) {
  return Promise.all(
    Array.from({ length: count }, () => new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [serveChild], { env: { ...process.env, REDIS_PORT: String(redis.port), QUEUE: queue, CONCURRENCY: String(concurrency) }, stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.on('data', (chunk) => chunk.toString().includes('ready') && resolve(child));
      child.once('exit', (code) => reject(new Error(`serve-child exited (${code})`)));
    })),
  );
}
const stopServers = (children) => Promise.all(children.map((child) => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM')))));

const post = (url, body) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (response) => {
  if (response.status !== 201) throw new Error(`add answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
});

/** Reads a job's event stream until its `completed` event. */
async function untilCompleted(url) {
  const response = await fetch(url);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the stream of ${url} ended without completed:\n${text}`);
    text += value;
    if (text.includes('event: completed')) return reader.cancel();
    if (text.includes('event: failed')) throw new Error(`job failed: ${text}`);
  }
}

/** Jobs per second through the bridge: `JOBS` jobs added over HTTP, until the last has completed. */
async function throughput(processes, task) {
  const queue = `bench-${process.pid}-${++queues}`;
  const bridge = await serveBridge(queue);
  const events = new QueueEvents(queue, { connection });
  await events.waitUntilReady();
  const children = await startServers(queue, processes, task.concurrency);
  let completed = 0;
  const done = new Promise((resolve) => events.on('completed', () => ++completed === JOBS && resolve()));
  const startedAt = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < JOBS) {
      const i = next++;
      await post(bridge.url, { id: `job-${i}`, name: task.name, data: task.data });
    }
  }));
  await done;
  const ms = performance.now() - startedAt;
  await stopServers(children);
  await Promise.all([events.close(), bridge.close()]);
  return JOBS / (ms / 1000);
}

/** One job at a time, `LATENCY_JOBS` times each way, alternating: BullMQ's add + waitUntilFinished, and the bridge's POST + event stream. */
async function latency() {
  const queue = `bench-${process.pid}-${++queues}`;
  const bridge = await serveBridge(queue);
  const bull = new Queue(queue, { connection });
  const events = new QueueEvents(queue, { connection });
  await events.waitUntilReady();
  const children = await startServers(queue, 1, 1);
  const samples = { bullmq: [], bridge: [] };
  for (let i = 0; i < LATENCY_JOBS + 10; i++) {
    const a = performance.now();
    const job = await bull.add('echo', { text: 'x' }, { jobId: `direct-${i}` });
    await job.waitUntilFinished(events);
    const b = performance.now();
    await post(bridge.url, { id: `bridged-${i}`, name: 'echo', data: { text: 'x' } });
    await untilCompleted(`${bridge.url}/bridged-${i}/events`);
    const c = performance.now();
    // The first 10 of each warm the connections and the JIT.
    if (i >= 10) (samples.bullmq.push(b - a), samples.bridge.push(c - b));
  }
  await stopServers(children);
  await Promise.all([events.close(), bull.close(), bridge.close()]);
  return samples;
}

const tasks = [
  { label: 'tiny (echo), concurrency 8 per process', name: 'echo', data: { text: 'x' }, concurrency: 8 },
  { label: '20 ms wait (steps n=1), concurrency 1 per process', name: 'steps', data: { n: 1, ms: 20 }, concurrency: 1 },
];
const result = { date: new Date().toISOString(), command: `node bench/bridge/run.mjs ${process.argv.slice(2).join(' ')}`.trim(), jobs: JOBS, rounds: ROUNDS, inFlight: IN_FLIGHT, machine: { nproc: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadStart: os.loadavg()[0] }, throughput: [], latency: undefined };
try {
  for (const task of tasks) {
    const row = { task: task.label, one: [], two: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating, so a change in the machine's load falls on both.
      row.one.push(await throughput(1, task));
      row.two.push(await throughput(2, task));
      console.log(`bridge bench: ${task.label}, round ${round + 1}: 1 process ${row.one.at(-1).toFixed(0)} jobs/s, 2 processes ${row.two.at(-1).toFixed(0)} jobs/s`);
    }
    result.throughput.push(row);
  }
  result.latency = await latency();
} finally {
  await redis.stop();
}
result.machine.loadEnd = os.loadavg()[0];
result.elapsedMs = Date.now() - started;
writeFileSync(join(resultsDir, 'bridge.json'), `${JSON.stringify(result, null, 2)}\n`);
writeBenchmarks(readResults());
console.log(bridgeLines(result).join('\n'));
