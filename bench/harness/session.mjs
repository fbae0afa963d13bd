// The browser and server setup: the bench page built and served, Chromium launched with a persistent profile,
// and the calls every scenario makes into the page (a sample of a contender, timed inside the page, with the CPU
// time its threads used).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { chromium } from 'playwright';
import { build, preview } from 'vite';
import { time } from '../report/format.mjs';
import { CpuClock } from './cpu-clock.mjs';
import { configFile } from './paths.mjs';

const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Builds the bench page (bench/vite.config.ts, offthread from ../src), serves it on 127.0.0.1 with COOP/COEP, and
 * launches Chromium headless with a PERSISTENT profile in a temp dir (an off-the-record context would keep
 * IndexedDB in memory). `close()` ends all three.
 */
export async function launchBench() {
  await build({ configFile, logLevel: 'error' });
  const server = await preview({ configFile, logLevel: 'error', preview: { port: 4190, strictPort: false } });
  const url = server.resolvedUrls.local[0];
  const profileDir = mkdtempSync(join(os.tmpdir(), 'offthread-bench-profile-'));
  const context = await chromium.launchPersistentContext(profileDir, { executablePath, headless: true, args: ['--disable-quic'] });
  return {
    url,
    context,
    profileDir,
    async close() {
      await context.close().catch(() => {});
      await server.close().catch(() => {});
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/** `page` on the bench page, once it is ready: calls into it (`globalThis.bench`), a forced GC and the V8 heap, through CDP. */
async function benchPage(context, url, page) {
  await page.goto(url);
  await page.waitForFunction(() => globalThis.bench?.ready === true);
  const cdp = await context.newCDPSession(page);
  const gc = () => cdp.send('HeapProfiler.collectGarbage');
  const heapUsed = async () => {
    await gc();
    await gc();
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  const call = (fn, ...args) => page.evaluate(([name, values]) => globalThis.bench[name](...values), [fn, args]);
  return { page, cdp, gc, heapUsed, call };
}

/** A fresh page of the same browser (same profile): its heap holds only what is done in it. */
export async function openFreshPage({ context, url }) {
  return benchPage(context, url, await context.newPage());
}

/**
 * The page every scenario but F runs in, and the samples they take in it. Prints the browser, its timer step
 * and its idle frame rate; throws if the page is not cross-origin isolated.
 */
export async function openSession({ context, url, profileDir }) {
  const first = context.pages()[0] ?? (await context.newPage());
  const pageErrors = [];
  first.on('pageerror', (error) => pageErrors.push(String(error)));
  first.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  const { page, cdp, gc, heapUsed, call } = await benchPage(context, url, first);
  const cpu = await CpuClock.find(profileDir, () => page.evaluate(() => { const end = performance.now() + 300; while (performance.now() < end); }));
  if (!cpu) console.log('(no per-thread CPU times: /proc not readable here, or the page\'s renderer not found in it; tables show wall times only)');

  const pageInfo = await call('info');
  const browserVersion = await cdp.send('Browser.getVersion');
  if (!pageInfo.crossOriginIsolated) throw new Error('the bench page is not cross-origin isolated: COOP/COEP headers missing?');
  console.log(`${browserVersion.product}, cross-origin isolated, performance.now() step ${pageInfo.timerResolutionUs.toFixed(1)} µs, ${url}`);
  const frame = pageInfo.idleFrameMs;
  console.log(`requestAnimationFrame on the idle page: every ${time(frame.median)} (${time(frame.min)}..${time(frame.max)}) in headless Chromium`);

  /** `call`, with the CPU time the page's threads used meanwhile (wall times suffer when other processes share the cores). */
  async function measuredCall(fn, ...args) {
    const before = cpu?.snapshot();
    const result = await call(fn, ...args);
    if (before) result.cpu = cpu.since(before);
    return result;
  }

  /** One pool sample: start the contender (warm), GC, measure, stop. */
  async function poolSample(id, workers, fn, ...args) {
    await call('start', id, workers);
    await gc();
    try {
      return await measuredCall(fn, ...args);
    } finally {
      await call('stop');
    }
  }

  /** A {@link poolSample} of `bulkOnQueue`, then (not timed with it) how long the retention sweep took to follow. */
  async function bulkSample(id, ...args) {
    await call('start', id, 2);
    await gc();
    try {
      const result = await measuredCall('bulkOnQueue', ...args);
      result.sweptMs = await call('untilSwept');
      return result;
    } finally {
      await call('stop');
    }
  }

  /**
   * One idle-latency sample: `jobs` jobs one after another on ONE started contender (2 workers, warm), each
   * after `gapMs` idle, in three calls: the first `edge`, the middle, the last `edge`, so that the CPU time of
   * the first and last ones is read apart. `aroundEnds(which, run)`, if given, runs the first and the last
   * (`which`: 'first', 'last') in its own way: profiled, or with IndexedDB's requests counted.
   */
  async function latencySample(id, jobs, edge, gapMs, aroundEnds) {
    await call('start', id, 2);
    await gc();
    try {
      const segment = (n, which) => (aroundEnds && which ? aroundEnds(which, () => measuredCall('idleCalls', n, gapMs)) : measuredCall('idleCalls', n, gapMs));
      const first = await segment(edge, 'first');
      const middle = await segment(jobs - 2 * edge);
      const last = await segment(edge, 'last');
      return { latencies: [...first.latencies, ...middle.latencies, ...last.latencies], cpu: { first: first.cpu, middle: middle.cpu, last: last.cpu } };
    } finally {
      await call('stop');
    }
  }

  /** One IndexedDB ceiling sample: database and rows made first, then only the puts timed. */
  async function ceilingSample(records, batch, indexes) {
    await call('ceilingStart', records, batch, indexes);
    await gc();
    try {
      return await measuredCall('ceilingRun');
    } finally {
      await call('ceilingEnd');
    }
  }

  return { page, cdp, gc, heapUsed, call, measuredCall, poolSample, bulkSample, latencySample, ceilingSample, pageInfo, browserVersion, pageErrors };
}

/**
 * The contenders the pool scenarios run: `--contenders`' pick (which may add comlink-cached: comlink with each
 * method's proxy made once), else all of them; threads.js only if it bundled and runs. Prints whether it does.
 */
export async function poolContendersOf({ call }, contenderFilter) {
  const poolContenders = contenderFilter ?? ['raw', 'comlink', 'workerpool', 'threads', 'offthread-memory', 'offthread-idb'];
  let threadsNote = 'threads.js 1.7.0: bundled by Vite and ran';
  try {
    if (!poolContenders.includes('threads')) throw new Error('not selected');
    await call('start', 'threads', 1);
    await call('stop');
  } catch (error) {
    threadsNote = `threads.js left out: ${String(error.message ?? error).split('\n')[0]}`;
    if (poolContenders.includes('threads')) poolContenders.splice(poolContenders.indexOf('threads'), 1);
  }
  console.log(threadsNote);
  return { poolContenders, threadsNote };
}
