// The machine's load around each scenario: other processes on a small machine skew every number.
import os from 'node:os';
import process from 'node:process';

const cores = os.cpus().length;
/** The 1-minute load average. */
const load = () => Math.round(os.loadavg()[0] * 100) / 100;

/** `--wait-quiet`: waits (up to 15 minutes) for the load to drop below three quarters of the cores. */
export async function waitForQuietMachine() {
  for (let waited = 0; load() > cores * 0.75 && waited < 900; waited += 10) {
    process.stdout.write(`\rwaiting for a quieter machine: load ${load()} on ${cores} cores   `);
    await new Promise((r) => setTimeout(r, 10_000));
  }
  process.stdout.write('\n');
}

/** The load at the start and end of each scenario run so far: `{ A: { start, end }, ... }`. */
export const loads = {};
const scenarioStart = {};

/** Notes the machine's load around a scenario, and warns when other work competes for the cores. */
export function noteLoad(scenario, when) {
  (loads[scenario] ??= {})[when] = load();
  if (when === 'start') scenarioStart[scenario] = Date.now();
  else console.log(`  (${scenario} took ${Math.round((Date.now() - scenarioStart[scenario]) / 1000)} s)`);
  if (when === 'start' && load() > cores) console.log(`  (the machine is busy: load ${load()} on ${cores} cores: numbers from this scenario are noisy)`);
}
