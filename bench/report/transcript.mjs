// What the run prints is also kept, line by line, for BENCHMARKS.md (`--write-benchmarks`), with the targets'
// verdicts as they are judged.

/** console.log as it was before the transcript began: what is printed with it is not kept. */
export const print = console.log.bind(console);

/** Every line printed with console.log since {@link startTranscript}. */
export const transcript = [];

/** From now on, console.log also keeps what it prints in {@link transcript}. */
export function startTranscript() {
  console.log = (...parts) => {
    print(...parts);
    transcript.push(parts.join(' ').replace(/^\r/, ''));
  };
}

/** The verdict on each target, in the order they were judged. */
export const verdicts = [];

/**
 * A target's verdict from the measured `value` (NaN when a contender it needs was left out). `id` names it for
 * what stands in its way (report/diagnosis.mjs), when it is missed.
 */
export function target(scenario, text, measured, pass, value, id) {
  const verdict = !Number.isFinite(value) ? 'NOT MEASURED' : pass ? 'PASS' : 'MISS';
  verdicts.push({ scenario, target: text, measured, verdict, ...(id ? { id } : {}) });
  console.log(`  target ${scenario}: ${text}: measured ${measured}: ${verdict}`);
}
