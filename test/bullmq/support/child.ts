// serveBullmq in a child process of its own (test/bullmq/fixtures/serve-child.ts, bundled by the global setup).
import { spawn, type ChildProcess } from 'node:child_process';
import { inject } from 'vitest';

export interface ServeChild {
  process: ChildProcess;
  pid: number;
  /** Ends it with SIGTERM (a clean close) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL): the job it runs is left as BullMQ finds a crashed worker's. */
  kill(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Starts a serveBullmq process on `queue`; resolves once it takes jobs. */
export async function startServeChild(queue: string, env: Record<string, string> = {}): Promise<ServeChild> {
  const child = spawn(process.execPath, [inject('serveChild')], {
    env: { ...process.env, REDIS_PORT: String(inject('redis').port), QUEUE: queue, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => (live.delete(child), resolve())));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('serve-child did not say ready in 20 s')), 20_000);
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) (clearTimeout(timer), resolve());
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`serve-child exited (${code}) before it was ready`))));
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { process: child, pid: child.pid!, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}

/** Kills every child still running (after a failed test). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((child) => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGKILL')))));
}
