// BENCHMARKS.md, written from a run's results (`--write-benchmarks`, or `--markdown-only` from latest.json).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../harness/paths.mjs';
import { time } from './format.mjs';
import { bridgeMarkdown } from '../bridge/markdown.mjs';

/** Writes BENCHMARKS.md from `output` (a run's results, as latest.json holds them). */
export function writeBenchmarks(output) {
  writeFileSync(join(root, 'BENCHMARKS.md'), benchmarksMarkdown(output));
}

/**
 * BENCHMARKS.md: what was run, where, and the tables exactly as printed, then the BullMQ bridge's section from
 * bench/results/bridge.json (bench/bridge/run.mjs). Nothing in it is typed in by hand.
 */
export function benchmarksMarkdown(output) {
  const m = output.machine;
  const tables = [...output.report, ...summaryLines(output)].filter((line) => !/^ {2}\(the machine is busy/.test(line)).join('\n').trim();
  const verdictRows = output.verdicts.map((v) => `| ${v.scenario} | ${v.target} | ${v.measured.replaceAll('|', '\\|')} | ${v.verdict} |`).join('\n');
  const loads = Object.entries(m.loadAverage).map(([s, l]) => `${s} ${l.start}→${l.end}`).join(', ');
  const quickNote =
    output.mode === 'quick'
      ? '\n- This is a `--quick` run (fewer rounds, smaller sizes: see above), not a full one: the machine was shared with other\n  work when it ran. A target counts as met when two full runs meet it.'
      : '';
  return `# Benchmarks

offthread against raw \`postMessage\` (a hand-written pool: the floor), comlink (one proxy per worker, round
robin), workerpool and threads.js, in real Chromium. Written by \`npm run bench -- --write-benchmarks\` from the
run below: every number here was measured by that run (raw samples: \`bench/results/latest.json\`).

## How it runs

- \`bench/run.mjs\` builds the bench page with Vite (\`bench/vite.config.ts\`, offthread imported from \`../src\`,
  unminified so CPU profiles name functions), serves it on 127.0.0.1 with COOP/COEP (the page is cross-origin
  isolated: \`performance.now()\` steps ${m.timerResolutionUs.toFixed(0)} µs), and drives Chromium headless through Playwright
  with a persistent profile in a temp dir (an off-the-record profile keeps IndexedDB in memory).
- All contenders run in that one browser, round by round, in an order that rotates every round; each sample
  starts its contender afresh (workers made and warmed first), after a forced GC, and is timed inside the page.
- Tables: the median of the samples, their range, operations per second from the median, and the median's
  ratio to the anchors' (below 1 is faster). A target that compares two contenders is judged on the median of
  its per-round ratios (sample against sample of the same round, so the noise a round shares cancels out),
  printed with their range; the others on the medians of the samples.
- \`--quick\` is smaller: fewer rounds; in B offthread IndexedDB and threads.js run one round;
  C runs 1 worker only for raw and the memory queue; D runs 2,000 jobs instead of 10,000 in bulk (its idle
  latency runs its 600 jobs on one queue in both); F stops at 100,000 stored jobs (building 1,000,000 rows
  takes minutes in IndexedDB here). The full run (\`npm run bench\`) has every contender in every scenario,
  10,000 jobs in D and 1,000 / 100,000 / 1,000,000 in F.
- Besides wall time, the tables give the CPU time the page's main thread, its workers and the browser
  process (where IndexedDB's backend runs) used during a sample, read from Linux's /proc: unlike wall time,
  it is not inflated when other processes compete for the cores.
- \`npm run bench -- --profile\` adds CPU profiles (CDP \`Profiler\`) and allocation profiles (CDP \`HeapProfiler\` sampling) of extra offthread samples, saved next to the results;
  what they and the CPU times say of each missed target is under "What stands in the way, measured".

## The latest run

- Command: \`${output.command}\` (${output.mode}), ${output.date}, took ${Math.round(output.elapsedMs / 1000)} s.
- Code: offthread ${output.versions.offthread}, git ${output.versions.git}${output.versions.gitDirty ? ' with uncommitted changes in src/' : ''};
  comlink ${output.versions.comlink}, workerpool ${output.versions.workerpool}, threads ${output.versions.threads}, idb ${output.versions.idb}, Vite ${output.versions.vite}, Playwright ${output.versions.playwright}.
- Machine: \`nproc\` ${m.nproc} (${m.cpu}), ${m.os}, Node ${m.node}, ${m.browser} headless (\`${m.userAgent}\`).
- Load average (1 min) at the start and end of each scenario: ${loads}. Other processes share this machine;
  a load above ${m.nproc} means they competed for the cores during that scenario.
- ${output.threads}.${quickNote}

\`free -h\`:

\`\`\`text
${m.memory}
\`\`\`

## Targets

What the project aims for, each judged on this run's medians.

| scenario | target | measured | verdict |
|---|---|---|---|
${verdictRows}

## What stands in the way, measured

${inTheWay(output)}

## Tables

\`\`\`text
${tables}
\`\`\`
${bridgeMarkdown()}`;
}

/**
 * For each missed target, what the run measured of its causes (report/diagnosis.mjs): CPU times, and with
 * `--profile` where the main thread's time went, by function.
 */
function inTheWay(output) {
  const missed = output.verdicts.filter((v) => v.verdict === 'MISS');
  if (!missed.length) return 'Every target was met in this run.';
  const profiled = (output.profiles ?? []).length > 0;
  /** The sections already written, by their findings: a target whose findings are another's points to it. */
  const written = new Map();
  return missed
    .map((v) => {
      const lines = (output.diagnoses ?? []).find((d) => d.id === v.id)?.lines ?? [];
      const same = written.get(lines.join('\n'));
      if (lines.length && !same) written.set(lines.join('\n'), `${v.scenario}: ${v.target}`);
      const body = same
        ? `- the same findings as under "${same}" above`
        : lines.length
          ? lines.map((line) => (line.startsWith('  ') ? `  - ${line.trim()}` : `- ${line}`)).join('\n')
          : '- nothing measured of its causes in this run';
      const note = profiled ? '' : '\n- (this run had no `--profile`: no function-level profile)';
      return `### ${v.scenario}: ${v.target}\n\nMeasured ${v.measured}.\n\n${body}${note}`;
    })
    .join('\n\n');
}

/**
 * The run's last lines: the targets passed and missed, and where the samples went. Made from the results, so
 * that `--markdown-only` writes them as the run printed them (latest.json is written before they are printed).
 */
export function summaryLines(output) {
  const count = (verdict) => output.verdicts.filter((v) => v.verdict === verdict).length;
  return [`\n${count('PASS')} targets PASS, ${count('MISS')} MISS`, `raw samples: bench/results/latest.json; took ${time(output.elapsedMs)}`];
}

