// bench/results/latest.json: the raw samples of a run, with the machine, the versions and the transcript.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { loads } from '../harness/machine-load.mjs';
import { resultsDir, root } from '../harness/paths.mjs';
import { mb } from './format.mjs';
import { diagnoses } from './diagnosis.mjs';
import { transcript, verdicts } from './transcript.mjs';

const latest = join(resultsDir, 'latest.json');

/** A command's output, or undefined if it cannot be run here. */
const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trimEnd();
  } catch {
    return undefined;
  }
};
/** An installed package's version. */
const pkg = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;

/** What a run measured, where and with what: the content of latest.json. */
export function runResults({ options, started, session, threadsNote, heapAfter, bundle, profiles, scenarios }) {
  const { argv, quick } = options;
  const { browserVersion, pageInfo } = session;
  const elapsedMs = Date.now() - started;
  return {
    date: new Date().toISOString(),
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    mode: quick ? 'quick' : 'full',
    elapsedMs,
    machine: {
      nproc: sh('nproc', []) ?? String(os.cpus().length),
      cpu: os.cpus()[0]?.model,
      memory: sh('free', ['-h']) ?? mb(os.totalmem()),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      browser: browserVersion.product,
      userAgent: pageInfo.userAgent,
      hardwareConcurrency: pageInfo.hardwareConcurrency,
      crossOriginIsolated: pageInfo.crossOriginIsolated,
      timerResolutionUs: pageInfo.timerResolutionUs,
      idleFrameMs: pageInfo.idleFrameMs,
      headless: true,
      persistentProfile: true,
      loadAverage: loads,
    },
    versions: {
      offthread: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version,
      git: sh('git', ['-C', root, 'rev-parse', '--short', 'HEAD']),
      gitDirty: (sh('git', ['-C', root, 'status', '--porcelain', 'src']) ?? '') !== '',
      comlink: pkg('comlink'),
      idb: pkg('idb'),
      workerpool: pkg('workerpool'),
      threads: pkg('threads'),
      playwright: pkg('playwright'),
      vite: pkg('vite'),
    },
    threads: threadsNote,
    pageHeapBytes: heapAfter,
    verdicts,
    diagnoses,
    report: transcript,
    bundle,
    profiles,
    scenarios,
  };
}

/** Writes `output` to bench/results/latest.json. */
export function saveResults(output) {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(latest, `${JSON.stringify(output, null, 1)}\n`);
}

/** The last run's results, from bench/results/latest.json. */
export function readResults() {
  return JSON.parse(readFileSync(latest, 'utf8'));
}
