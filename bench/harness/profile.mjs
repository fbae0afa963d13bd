// `--profile`: CPU profiles (CDP Profiler) and allocation profiles (CDP HeapProfiler sampling) of extra offthread
// samples, saved next to the results, with their heaviest modules and functions printed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, resultsDir, root } from './paths.mjs';

/**
 * A CPU profile of `run` through `cdp`, saved, with its heaviest functions and modules printed; then (unless
 * `heap` is false) an allocation profile of one more `run`. The summary joins `profiles`, and is returned with
 * what the profiled `run` measured (`measured`).
 */
export async function profile(cdp, profiles, name, run, { heap: withHeap = true } = {}) {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  const measured = await run();
  const { profile: cpu } = await cdp.send('Profiler.stop');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `profile-${name}.cpuprofile`);
  writeFileSync(file, JSON.stringify(cpu));
  const summary = summarizeProfile(cpu);
  const entry = { name, file: file.slice(root.length + 1), measured, ...summary };
  profiles.push(entry);
  console.log(`\n  profile ${name} (${file.slice(root.length + 1)}; one extra sample, not in the table: ${JSON.stringify(measured).slice(0, 160)})`);
  console.log(`    self time by module: ${summary.byModule.slice(0, 10).map((m) => `${m.module} ${m.pct}%`).join(', ')}`);
  console.log(`    heaviest functions (self): ${summary.byFunction.slice(0, 14).map((f) => `${f.name} [${f.module}] ${f.pct}%`).join(', ')}`);
  const busy = summary.longestBusy;
  console.log(`    longest busy stretch of the main thread: ${busy.ms} ms; in it (self): ${busy.byFunction.slice(0, 8).map((f) => `${f.name} [${f.module}] ${f.ms} ms`).join(', ')}`);
  if (!withHeap) return entry;

  // Then where it allocates: one more sample under the sampling heap profiler, young objects included
  // (what the scavenger collects is what costs a burst of tiny jobs its garbage collection time).
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  await run();
  const { profile: heap } = await cdp.send('HeapProfiler.stopSampling');
  const heapFile = join(resultsDir, `profile-${name}.heapprofile`);
  writeFileSync(heapFile, JSON.stringify(heap));
  const bytes = new Map();
  let total = 0;
  (function walk(node) {
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} [${url ? url.split('/').pop() : '(native)'}:${lineNumber + 1}]`;
    bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) walk(child);
  })(heap.head);
  const top = [...bytes].sort((x, y) => y[1] - x[1]).slice(0, 12);
  console.log(`    allocated (${heapFile.slice(root.length + 1)}; sampled, ${(total / 1e6).toFixed(1)} MB): ${top.map(([k, v]) => `${k} ${((100 * v) / total).toFixed(1)}%`).join(', ')}`);
  return entry;
}

/** The `n` heaviest of a Map of key → µs, as `{ name, module, ms, pct }` (keys are `name\0module`; pct of `total`). */
function heaviest(us, total, n = 40) {
  return [...us]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, t]) => {
      const [name, module] = key.split('\u0000');
      return { name, module, ms: Math.round(t / 100) / 10, pct: Math.round((t / total) * 1000) / 10 };
    });
}

/**
 * Self time per function and per source module. The bench bundle is unminified and rolldown heads each
 * module with a `// <path>` comment, so a frame's line number tells its module.
 */
function summarizeProfile(cpu) {
  const regionsByUrl = new Map();
  const moduleOf = (url, line) => {
    if (!url) return '(native)';
    if (!regionsByUrl.has(url)) {
      let regions = [];
      try {
        const file = join(benchDir, 'dist', new URL(url).pathname.replace(/^\//, ''));
        const lines = readFileSync(file, 'utf8').split('\n');
        lines.forEach((text, i) => {
          const m = /^\/\/ ((?:\\0)?[\w@.\-/]+\.[cm]?[jt]sx?)$/.exec(text);
          if (m) regions.push({ line: i, module: m[1].replace(/^.*node_modules\//, '') });
        });
      } catch {
        regions = [];
      }
      regionsByUrl.set(url, regions);
    }
    const regions = regionsByUrl.get(url);
    let found = '(bundle)';
    for (const r of regions) if (r.line <= line) found = r.module;
    return found;
  };
  const nodes = new Map(cpu.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of cpu.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const keyOf = new Map();
  const frameKey = (id) => {
    if (!keyOf.has(id)) {
      const frame = nodes.get(id).callFrame;
      const module = frame.url ? moduleOf(frame.url, frame.lineNumber) : frame.functionName.startsWith('(') ? frame.functionName : '(native)';
      keyOf.set(id, `${frame.functionName || '(anonymous)'}\u0000${module}`);
    }
    return keyOf.get(id);
  };
  const isIdle = (id) => nodes.get(id).callFrame.functionName === '(idle)';
  const dtOf = (i) => cpu.timeDeltas[i + 1] ?? cpu.timeDeltas[i] ?? 0;

  /** Self and total (inclusive: the function or what it called was running) µs per function, over samples [from, to). */
  const timesOver = (from, to) => {
    const self = new Map();
    const inclusive = new Map();
    const byModule = new Map();
    let total = 0;
    for (let i = from; i < to; i++) {
      const id = cpu.samples[i];
      if (isIdle(id)) continue;
      const dt = dtOf(i);
      total += dt;
      const key = frameKey(id);
      self.set(key, (self.get(key) ?? 0) + dt);
      const module = key.split('\u0000')[1];
      byModule.set(module, (byModule.get(module) ?? 0) + dt);
      const seen = new Set();
      for (let at = id; at !== undefined; at = parent.get(at)) {
        const k = frameKey(at);
        if (seen.has(k) || k.startsWith('(root)')) continue;
        seen.add(k);
        inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
      }
    }
    return { self, inclusive, byModule, total };
  };

  // The longest stretch of samples with no idle one among them: the main thread's longest task, as the profile saw it.
  let longest = { from: 0, to: 0, us: 0 };
  for (let i = 0, from = 0, us = 0; i <= cpu.samples.length; i++) {
    if (i === cpu.samples.length || isIdle(cpu.samples[i])) {
      if (us > longest.us) longest = { from, to: i, us };
      from = i + 1;
      us = 0;
    } else us += dtOf(i);
  }

  const all = timesOver(0, cpu.samples.length);
  const stretch = timesOver(longest.from, longest.to);
  return {
    busyMs: Math.round(all.total / 1000),
    byModule: [...all.byModule].sort((a, b) => b[1] - a[1]).map(([module, us]) => ({ module, ms: Math.round(us / 100) / 10, pct: Math.round((us / all.total) * 1000) / 10 })),
    byFunction: heaviest(all.self, all.total),
    byFunctionTotal: heaviest(all.inclusive, all.total, 25),
    longestBusy: {
      ms: Math.round(longest.us / 100) / 10,
      byFunction: heaviest(stretch.self, stretch.total || 1, 15),
      byFunctionTotal: heaviest(stretch.inclusive, stretch.total || 1, 15),
    },
  };
}
