// Starts what the WebKit tests talk to, and stops it again: an X server (Xvfb, on a display it picks
// itself) unless DISPLAY is set, and WebKitWebDriver on a free port, unless WEBKIT_WEBDRIVER_URL points at
// a driver already running. Also makes the `safari`-named link to the WebKit browser (see browser-paths.mjs).
//
// What it gives the test runners, in `env` (the contract scripts/test.mjs keeps with test/e2e-webkit/):
//   WEBKIT_WEBDRIVER_URL  http://127.0.0.1:PORT, the running WebKitWebDriver
//   WEBKIT_BINARY         the link named `safari` to MiniBrowser (or to WEBKIT_BINARY as it was given)
//   DISPLAY               the X display the browser draws into
//
// Each process is started in a process group of its own (MiniBrowser and its web processes join the driver's),
// and `stop()` ends each group: TERM, then KILL after two seconds. `stopNow()` is the synchronous form, for
// process exit.
import { spawn } from 'node:child_process';
import { accessSync, constants, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_PATHS, WEBKIT_LINK } from './browser-paths.mjs';
import { freePort } from './host-tools.mjs';

const READY_TIMEOUT_MS = 20_000;

export class WebKitSessionError extends Error {
  name = 'WebKitSessionError';
}

function assertExecutable(path, what) {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new WebKitSessionError(`${what}: no executable at ${path}`);
  }
}

/** The browser binary under a name ending in `safari`: itself when it is so named, else a link to it. */
export function safariLink(binary) {
  if (basename(binary) === 'safari') return binary;
  mkdirSync(dirname(WEBKIT_LINK), { recursive: true });
  let current;
  try {
    current = lstatSync(WEBKIT_LINK).isSymbolicLink() ? readlinkSync(WEBKIT_LINK) : undefined;
  } catch {
    current = undefined;
  }
  if (current !== binary) {
    rmSync(WEBKIT_LINK, { force: true });
    symlinkSync(binary, WEBKIT_LINK);
  }
  return WEBKIT_LINK;
}

/** A child in its own process group, its stderr kept (the last 4 kB) for an error message. */
/** `: <what it printed>`, or nothing when it printed nothing. */
const said = (text) => (text ? `: ${text}` : '');

function startProcess(command, args, options = {}) {
  const child = spawn(command, args, { detached: true, stdio: options.stdio ?? ['ignore', 'ignore', 'pipe'], env: options.env ?? process.env });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4096);
  });
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
  });
  return { child, exited, stderr: () => stderr.trim() };
}

function signalGroup(child, signal) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Starts the X server (unless DISPLAY is set) and WebKitWebDriver (unless WEBKIT_WEBDRIVER_URL is set).
 * Resolves once the driver answers `GET /status`; throws a WebKitSessionError, with nothing left running, if
 * any of it fails.
 *
 * @param {{ env?: NodeJS.ProcessEnv, log?: (line: string) => void }} [options]
 */
export async function startWebKitSession({ env = process.env, log = () => {} } = {}) {
  const binary = env.WEBKIT_BINARY || DEFAULT_PATHS.webkit;
  assertExecutable(binary, env.WEBKIT_BINARY ? 'WEBKIT_BINARY' : 'WebKit browser (MiniBrowser)');
  const processes = [];
  const stopNow = () => {
    for (const { child } of processes) signalGroup(child, 'SIGKILL');
  };
  const stop = async () => {
    const running = processes.splice(0).reverse();
    for (const { child } of running) signalGroup(child, 'SIGTERM');
    await Promise.all(
      running.map(async ({ child, exited }) => {
        const done = await Promise.race([exited, sleep(2_000).then(() => undefined)]);
        if (!done) signalGroup(child, 'SIGKILL');
        await exited;
        // MiniBrowser and its web processes are in the driver's group and may outlive it: end the group.
        signalGroup(child, 'SIGKILL');
      }),
    );
  };

  try {
    const out = { WEBKIT_BINARY: safariLink(binary) };
    if (env.WEBKIT_WEBDRIVER_URL) {
      out.WEBKIT_WEBDRIVER_URL = env.WEBKIT_WEBDRIVER_URL;
      if (env.DISPLAY) out.DISPLAY = env.DISPLAY;
      log(`using the WebKitWebDriver at ${env.WEBKIT_WEBDRIVER_URL} (WEBKIT_WEBDRIVER_URL)`);
      await waitForDriver(out.WEBKIT_WEBDRIVER_URL, undefined);
      return { env: out, stop, stopNow };
    }

    if (env.DISPLAY) {
      out.DISPLAY = env.DISPLAY;
      log(`drawing into DISPLAY=${env.DISPLAY}`);
    } else {
      const xvfb = env.XVFB_PATH || DEFAULT_PATHS.xvfb;
      assertExecutable(xvfb, 'Xvfb');
      // -displayfd: Xvfb picks a free display itself and writes its number to fd 3 once it accepts clients.
      const server = startProcess(xvfb, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
        stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      });
      processes.push(server);
      const display = await new Promise((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new WebKitSessionError(`Xvfb gave no display within ${READY_TIMEOUT_MS / 1000} s${said(server.stderr())}`)), READY_TIMEOUT_MS);
        server.child.stdio[3].on('data', (chunk) => {
          text += chunk;
          if (text.includes('\n')) {
            clearTimeout(timer);
            resolve(text.trim());
          }
        });
        server.exited.then(({ code, signal, error }) => {
          clearTimeout(timer);
          reject(new WebKitSessionError(`Xvfb ended before it was ready (${error?.message ?? `exit ${code ?? signal}`})${said(server.stderr())}`));
        });
      });
      out.DISPLAY = `:${display}`;
      log(`Xvfb on DISPLAY=${out.DISPLAY} (pid ${server.child.pid})`);
    }

    const driverPath = env.WEBKIT_DRIVER || DEFAULT_PATHS.webkitDriver;
    assertExecutable(driverPath, env.WEBKIT_DRIVER ? 'WEBKIT_DRIVER' : 'WebKitWebDriver');
    const port = await freePort();
    const driver = startProcess(driverPath, [`--port=${port}`, '--host=127.0.0.1'], { env: { ...env, DISPLAY: out.DISPLAY } });
    processes.push(driver);
    out.WEBKIT_WEBDRIVER_URL = `http://127.0.0.1:${port}`;
    await waitForDriver(out.WEBKIT_WEBDRIVER_URL, driver);
    log(`WebKitWebDriver at ${out.WEBKIT_WEBDRIVER_URL} (pid ${driver.child.pid}), browser ${binary}`);
    return { env: out, stop, stopNow };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForDriver(url, driver) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited;
  driver?.exited.then((result) => {
    exited = result;
  });
  for (;;) {
    if (exited) {
      throw new WebKitSessionError(`WebKitWebDriver ended before it was ready (exit ${exited.code ?? exited.signal})${said(driver.stderr())}`);
    }
    try {
      const response = await fetch(new URL('/status', url), { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      throw new WebKitSessionError(`no WebKitWebDriver answered at ${url}/status within ${READY_TIMEOUT_MS / 1000} s${said(driver?.stderr())}`);
    }
    await sleep(100);
  }
}
