// CPU time per thread, from Linux's /proc: what the bench page's threads used, which other processes competing
// for the cores do not inflate as they do wall time.
import { readdirSync, readFileSync } from 'node:fs';
import process from 'node:process';
import { print } from '../report/transcript.mjs';

/** Nanoseconds a thread has run on a CPU (the first field of its schedstat). */
function threadNs(pid, tid) {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return 0;
  }
}

function threads(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).map((tid) => {
      let comm = '';
      try {
        comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      } catch {
        // The thread ended.
      }
      return { tid, comm };
    });
  } catch {
    return [];
  }
}

/**
 * CPU time used by the bench page's threads, from /proc: its renderer's main thread, its dedicated workers'
 * threads, and the browser process (where IndexedDB's backend runs). Unlike wall time, it does not count
 * the time other processes on the machine took the cores.
 */
export class CpuClock {
  /** Finds the page's renderer: the one whose main thread ran while the page spun (`spin`). */
  static async find(profileDir, spin) {
    let procs;
    try {
      procs = readdirSync('/proc')
        .filter((name) => /^\d+$/.test(name))
        .map((pid) => {
          try {
            return { pid, cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8') };
          } catch {
            return undefined;
          }
        })
        .filter((p) => p && p.cmdline.includes(profileDir));
    } catch {
      return undefined;
    }
    const browser = procs.find((p) => !p.cmdline.includes('--type='));
    // The browser's own UI (top-chrome WebUI) and extensions have renderers too: not ours.
    const renderers = procs.filter((p) => p.cmdline.includes('--type=renderer') && !p.cmdline.includes('--top-chrome-webui') && !p.cmdline.includes('--extension-process'));
    // The page spins for 300 ms: its main thread must run for a good part of it. On a machine other work
    // crowds, it may not get that much in one spin: a few more are tried.
    let page;
    let most = 0;
    for (let attempt = 0; attempt < 5 && most <= 30e6; attempt++) {
      const before = new Map(renderers.map((p) => [p.pid, threadNs(p.pid, p.pid)]));
      await spin();
      most = 0;
      for (const p of renderers) {
        const ran = threadNs(p.pid, p.pid) - before.get(p.pid);
        if (process.env.BENCH_DEBUG) print('renderer', p.pid, ran / 1e6, 'ms', p.cmdline.includes('top-chrome') ? 'top-chrome' : '');
        if (ran > most) [page, most] = [p.pid, ran];
      }
    }
    return page && browser && most > 30e6 ? new CpuClock(page, browser.pid) : undefined;
  }

  constructor(pagePid, browserPid) {
    this.pagePid = pagePid;
    this.browserPid = browserPid;
  }

  snapshot() {
    const workers = new Map();
    for (const { tid, comm } of threads(this.pagePid)) if (comm.startsWith('DedicatedWorker')) workers.set(tid, threadNs(this.pagePid, tid));
    let browser = 0;
    for (const { tid } of threads(this.browserPid)) browser += threadNs(this.browserPid, tid);
    return { main: threadNs(this.pagePid, this.pagePid), workers, browser };
  }

  /** Milliseconds of CPU since `before`: the page's main thread, its workers (those alive at the end), the browser process. */
  since(before) {
    const now = this.snapshot();
    let workers = 0;
    for (const [tid, ns] of now.workers) workers += ns - (before.workers.get(tid) ?? 0);
    const ms = (ns) => Math.round(ns / 1e3) / 1e3;
    return { mainMs: ms(now.main - before.main), workersMs: ms(workers), browserMs: ms(now.browser - before.browser) };
  }
}

