// Starts what the WebKit specs need and vitest.config.ts found missing (OFFTHREAD_WEBKIT_START): the demo
// (`vite build`, then `vite preview`), the harness pages (Vite's dev server), and a WebKitWebDriver (with an Xvfb
// display of its own when DISPLAY is unset); stops them all at the end of the run.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Started {
  label: string;
  child: ChildProcess;
  output: () => string;
}

const started: Started[] = [];

/** Starts `command` in a process group of its own (so that stopping it stops what it starts), output kept. */
function startProcess(label: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env, extraFds = 0): Started {
  const child = spawn(command, args, {
    cwd: root,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', ...Array.from({ length: extraFds }, () => 'pipe' as const)],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const entry = { label, child, output: () => output };
  started.push(entry);
  return entry;
}

/** Resolves once `url` answers with a 2xx; rejects if the process exits first or `ms` pass. */
async function waitForUrl(entry: Started, url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const { exitCode, signalCode } = entry.child;
    if (exitCode !== null || signalCode !== null) {
      throw new Error(`${entry.label} exited (${exitCode ?? signalCode}) before answering at ${url}:\n${entry.output()}`);
    }
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${entry.label} did not answer at ${url} within ${ms} ms:\n${entry.output()}`);
}

/** Starts Xvfb on a display it picks itself (-displayfd); resolves with `:N`. */
async function startXvfb(): Promise<string> {
  if (!existsSync('/usr/bin/Xvfb')) throw new Error('DISPLAY is unset and there is no /usr/bin/Xvfb: apt-get install -y xvfb, or set DISPLAY');
  const entry = startProcess('Xvfb', '/usr/bin/Xvfb', ['-displayfd', '3', '-screen', '0', '1400x1000x24', '-nolisten', 'tcp'], process.env, 1);
  const fd = entry.child.stdio[3] as NodeJS.ReadableStream;
  return new Promise((resolveDisplay, reject) => {
    let text = '';
    fd.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolveDisplay(`:${text.trim()}`);
    });
    entry.child.once('exit', (code) => reject(new Error(`Xvfb exited (${code}):\n${entry.output()}`)));
    setTimeout(() => reject(new Error(`Xvfb gave no display within 10 s:\n${entry.output()}`)), 10_000);
  });
}

async function startDriver(): Promise<void> {
  const url = new URL(process.env.WEBKIT_WEBDRIVER_URL!);
  if (!existsSync('/usr/bin/WebKitWebDriver')) {
    throw new Error('No WebKitWebDriver: apt-get install -y webkit2gtk-driver xvfb (or set WEBKIT_WEBDRIVER_URL to a running one)');
  }
  const display = process.env.DISPLAY || (await startXvfb());
  process.env.DISPLAY = display;
  const entry = startProcess('WebKitWebDriver', '/usr/bin/WebKitWebDriver', [`--port=${url.port}`], { ...process.env, DISPLAY: display });
  await waitForUrl(entry, new URL('/status', url).href, 15_000);
}

export default async function setup(): Promise<() => Promise<void>> {
  const what = new Set((process.env.OFFTHREAD_WEBKIT_START ?? '').split(',').filter(Boolean));
  const waits: Promise<void>[] = [];
  try {
    if (what.has('harness')) {
      const origin = process.env.OFFTHREAD_HARNESS_ORIGIN!;
      const entry = startProcess('the harness server (vite)', 'npx', ['vite', '--host', '127.0.0.1', '--port', new URL(origin).port, '--strictPort']);
      waits.push(waitForUrl(entry, `${origin}/test/e2e/harness/index.html`, 120_000));
    }
    if (what.has('demo')) {
      const origin = process.env.OFFTHREAD_DEMO_ORIGIN!;
      // The demo, built as a user would build it.
      const entry = startProcess('the demo server (vite build && vite preview)', 'sh', [
        '-c',
        `npx vite build && npx vite preview --host 127.0.0.1 --port ${new URL(origin).port} --strictPort`,
      ]);
      waits.push(waitForUrl(entry, origin, 180_000));
    }
    if (what.has('driver')) waits.push(startDriver());
    await Promise.all(waits);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}

async function teardown(): Promise<void> {
  // The driver first (it ends its browsers), the display last.
  for (const { child } of [...started].reverse()) {
    if (!child.pid || child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  }
  started.length = 0;
}
