// `--profile`: CPU profiles (CDP Profiler) and allocation profiles (CDP HeapProfiler sampling) of extra offthread
// samples, saved next to the results, with their heaviest modules and functions printed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, resultsDir, root } from './paths.mjs';

/**
 * A CPU profile of `run` through `cdp`, saved, with its heaviest functions and modules printed; then an
 * allocation profile of one more `run`. The summary joins `profiles`.
 */
export async function profile(cdp, profiles, name, run) {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  const measured = await run();
  const { profile: cpu } = await cdp.send('Profiler.stop');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `profile-${name}.cpuprofile`);
  writeFileSync(file, JSON.stringify(cpu));
  const summary = summarizeProfile(cpu);
  profiles.push({ name, file: file.slice(root.length + 1), measured, ...summary });
  console.log(`\n  profile ${name} (${file.slice(root.length + 1)}; one extra sample, not in the table: ${JSON.stringify(measured).slice(0, 160)})`);
  console.log(`    self time by module: ${summary.byModule.slice(0, 10).map((m) => `${m.module} ${m.pct}%`).join(', ')}`);
  console.log(`    heaviest functions (self): ${summary.byFunction.slice(0, 14).map((f) => `${f.name} [${f.module}] ${f.pct}%`).join(', ')}`);

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
  const selfUs = new Map();
  for (let i = 0; i < cpu.samples.length; i++) {
    const dt = cpu.timeDeltas[i + 1] ?? cpu.timeDeltas[i] ?? 0;
    selfUs.set(cpu.samples[i], (selfUs.get(cpu.samples[i]) ?? 0) + dt);
  }
  let total = 0;
  const byFunction = new Map();
  const byModule = new Map();
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id).callFrame;
    if (frame.functionName === '(idle)') continue;
    total += us;
    const module = frame.url ? moduleOf(frame.url, frame.lineNumber) : frame.functionName.startsWith('(') ? frame.functionName : '(native)';
    const name = frame.functionName || '(anonymous)';
    const fkey = `${name}\u0000${module}`;
    byFunction.set(fkey, (byFunction.get(fkey) ?? 0) + us);
    byModule.set(module, (byModule.get(module) ?? 0) + us);
  }
  const pct = (us) => Math.round((us / total) * 1000) / 10;
  return {
    busyMs: Math.round(total / 1000),
    byModule: [...byModule].sort((a, b) => b[1] - a[1]).map(([module, us]) => ({ module, ms: Math.round(us / 100) / 10, pct: pct(us) })),
    byFunction: [...byFunction]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 40)
      .map(([key, us]) => {
        const [name, module] = key.split('\u0000');
        return { name, module, ms: Math.round(us / 100) / 10, pct: pct(us) };
      }),
  };
}
