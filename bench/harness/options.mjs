// The command line of `npm run bench`, and the sizes of each scenario it gives.

export const USAGE =
  'usage: npm run bench [-- --quick] [--only A,B,C,D,E,F] [--rounds N] [--jobs N (B and D)] [--contenders raw,offthread-memory,...] [--sizes 1000,100000 (F)] [--bytes N (E)] [--profile] [--wait-quiet] [--write-benchmarks] [--markdown-only]';

/** How each contender is named in the tables. */
export const LABELS = {
  raw: 'raw postMessage',
  'raw-batch': 'raw, one message per worker',
  'raw-batch-100': 'raw, batches of ≤ 100 per message',
  comlink: 'comlink',
  'comlink-cached': 'comlink, method proxies made once',
  workerpool: 'workerpool',
  threads: 'threads.js',
  'offthread-memory': 'offthread memory',
  'offthread-memory-bulk': 'offthread memory, addBulk',
  'offthread-idb': 'offthread IndexedDB',
};

/** C's jobs each spin about this long. */
export const TARGET_SPIN_MS = 5;

/**
 * The run `argv` asks for. `P` holds each scenario's sizes (rounds, jobs...), the full run's or `--quick`'s,
 * with `--rounds`, `--jobs` and `--sizes` applied.
 */
export function parseOptions(argv) {
  const flag = (name) => argv.includes(name);
  const option = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = flag('--quick');
  const roundsOverride = option('--rounds') ? Number(option('--rounds')) : undefined;
  const jobsOverride = option('--jobs') ? Number(option('--jobs')) : undefined;

  // Quick mode is smaller where offthread's IndexedDB path is slow today (B runs that contender in one round; D
  // runs 2,000 jobs, not 10,000) and where building the stored jobs takes minutes (F stops at 100,000). D's idle
  // latency runs its 600 jobs on one queue in both: the rise over finished jobs is what it looks for.
  const P = quick
    ? {
        A: { rounds: 4, calls: 200 },
        B: { rounds: 3, jobs: 10_000, idbRounds: 1, threadsRounds: 1 },
        C: { rounds: 3, jobs: 200 },
        D: { rounds: 2, jobs: 2_000, latency: 600, latencyEdge: 50 },
        E: { rounds: 3 },
        F: { rounds: 2, claims: 50, jobs: 200, sizes: [1_000, 10_000, 100_000] },
      }
    : {
        A: { rounds: 10, calls: 1_000 },
        B: { rounds: 7, jobs: 10_000, idbRounds: 3, threadsRounds: 7 },
        C: { rounds: 5, jobs: 200 },
        D: { rounds: 3, jobs: 10_000, latency: 600, latencyEdge: 50 },
        E: { rounds: 7 },
        F: { rounds: 3, claims: 100, jobs: 300, sizes: [1_000, 100_000, 1_000_000] },
      };
  if (roundsOverride) for (const s of Object.values(P)) s.rounds = roundsOverride;
  if (jobsOverride) P.B.jobs = P.D.jobs = jobsOverride;
  if (option('--sizes')) P.F.sizes = option('--sizes').split(',').map(Number);

  return {
    argv,
    help: flag('-h') || flag('--help'),
    quick,
    /** The scenarios to run, by letter. */
    only: new Set((option('--only') ?? 'A,B,C,D,E,F').toUpperCase().split(',')),
    profiling: flag('--profile'),
    contenderFilter: option('--contenders')?.split(','),
    P,
    /** E's buffer, in bytes. */
    eBytes: option('--bytes') ? Number(option('--bytes')) : 32 * 1024 * 1024,
    waitQuiet: flag('--wait-quiet'),
    writeBenchmarks: flag('--write-benchmarks'),
    markdownOnly: flag('--markdown-only'),
  };
}
