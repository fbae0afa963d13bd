// BENCHMARKS.md's section on the BullMQ bridge, from bench/results/bridge.json (written by bench/bridge/run.mjs).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resultsDir } from '../harness/paths.mjs';
import { median, percentile } from '../report/statistics.mjs';

/** bench/results/bridge.json, or undefined before the bridge bench has run. */
export function readBridgeResults() {
  const file = join(resultsDir, 'bridge.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

const ms = (x) => `${x.toFixed(1)} ms`;

/** The table of a bridge run, as printed and as BENCHMARKS.md shows it. */
export function bridgeLines(result) {
  const lines = [`jobs per second through the bridge (${result.jobs} jobs added over HTTP, ${result.inFlight} requests in flight; median of ${result.rounds} rounds [range])`, ''];
  lines.push('job                                                 1 process            2 processes          ratio');
  for (const row of result.throughput) {
    const cell = (list) => `${median(list).toFixed(0)} [${Math.min(...list).toFixed(0)}-${Math.max(...list).toFixed(0)}]`.padEnd(21);
    lines.push(`${row.task.padEnd(52)}${cell(row.one)}${cell(row.two)}${(median(row.two) / median(row.one)).toFixed(2)}×`);
  }
  const { bullmq, bridge } = result.latency;
  lines.push('', `one job at a time, add to result (${bullmq.length} jobs each way, alternating)    median     p95`);
  lines.push(`BullMQ alone (queue.add + job.waitUntilFinished)                     ${ms(median(bullmq)).padEnd(11)}${ms(percentile(bullmq, 0.95))}`);
  lines.push(`through the bridge (POST + event stream until completed)             ${ms(median(bridge)).padEnd(11)}${ms(percentile(bridge, 0.95))}`);
  lines.push(`the bridge adds (difference of the medians)                          ${ms(median(bridge) - median(bullmq))}`);
  return lines;
}

/** BENCHMARKS.md's bridge section, or '' before the bridge bench has run. */
export function bridgeMarkdown(result = readBridgeResults()) {
  if (!result) return '';
  const m = result.machine;
  return `
## The BullMQ bridge (Node)

\`offthread/bullmq\` in Node, no browser: a redis-server of its own (127.0.0.1, no persistence), the bridge on Node's
\`http\`, \`serveBullmq\` in child processes, requests sent from the bench process as a page sends them. Written by
\`${result.command}\` (${result.date}, took ${Math.round(result.elapsedMs / 1000)} s; raw samples: \`bench/results/bridge.json\`).
Machine: \`nproc\` ${m.nproc} (${m.cpu}), Node ${m.node}; load average (1 min) ${m.loadStart.toFixed(2)}→${m.loadEnd.toFixed(2)}. Redis, the bridge,
the client and the processes share these cores, so the ratio of 2 processes to 1 shows how far the work spreads
here, not what more machines would give; a load above ${m.nproc} means other processes competed for the cores during
the run. A 20 ms task at concurrency 1 allows at most 50 jobs/s per process: a figure below that was held back
elsewhere (the adds through the bridge, Redis, or the shared cores), not by the handlers.

\`\`\`text
${bridgeLines(result).join('\n')}
\`\`\`
`;
}
