#!/usr/bin/env node
// Redis for the BullMQ tests and benchmarks: a real redis-server, never a mock.
//
//   node scripts/redis.mjs             makes sure redis-server is there (installed as root on Debian)
//   node scripts/redis.mjs serve       also starts one on a free port and keeps it up until Ctrl-C
//   import { ensureRedis, startRedis } from './scripts/redis.mjs'
//
// The binary is REDIS_SERVER_PATH when set, else Debian's /usr/bin/redis-server (package redis-server),
// installed with apt-get when missing and running as root on Debian, as scripts/browsers.mjs does for browsers.
// A server started here listens on 127.0.0.1 only, on a free port, in a temporary directory, with no
// persistence (`--save '' --appendonly no`); stop() ends it and removes the directory.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { freePort, isExecutable } from './host-tools.mjs';

const DEFAULT_PATH = '/usr/bin/redis-server';
const PACKAGE = 'redis-server';

/** The redis-server binary, installed from Debian's packages if it is missing and this runs as root on Debian. */
export function ensureRedis({ log = (line) => console.log(`redis: ${line}`) } = {}) {
  const given = process.env.REDIS_SERVER_PATH;
  if (given) {
    if (!isExecutable(given)) throw new Error(`REDIS_SERVER_PATH is set to ${given}, but no executable is there. Point it at a redis-server, or unset it to use Debian's at ${DEFAULT_PATH}.`);
    return given;
  }
  if (isExecutable(DEFAULT_PATH)) return DEFAULT_PATH;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const isDebian = existsSync('/etc/debian_version') && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;
  if (!isRoot || !isDebian) {
    throw new Error(
      `no redis-server at ${DEFAULT_PATH} and REDIS_SERVER_PATH is not set; cannot install it here (${!isDebian ? 'not Debian with apt-get' : 'not running as root'}). ` +
        `Either: sudo apt-get update && sudo apt-get install -y ${PACKAGE}; or set REDIS_SERVER_PATH to a redis-server of your own.`,
    );
  }
  log(`no redis-server at ${DEFAULT_PATH}; installing Debian's ${PACKAGE} (running as root).`);
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', PACKAGE]]) {
    log(`$ apt-get ${args.join(' ')}`);
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) throw new Error(`\`apt-get ${args.join(' ')}\` failed (exit ${result.status ?? result.signal})`);
  }
  if (!isExecutable(DEFAULT_PATH)) throw new Error(`apt-get installed ${PACKAGE}, but ${DEFAULT_PATH} is still missing.`);
  log(`installed; ${DEFAULT_PATH}`);
  return DEFAULT_PATH;
}

/** Resolves once `PING` gets `+PONG` on the port, or rejects after `timeoutMs`. */
async function waitForPong(port, timeoutMs, exited) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`redis-server exited before it answered on port ${port}`);
    const pong = await new Promise((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.setTimeout(500);
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
      for (const event of ['error', 'timeout']) socket.once(event, () => (socket.destroy(), resolve(false)));
    });
    if (pong) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not answer on port ${port} within ${timeoutMs} ms`);
}

/**
 * Starts a redis-server of its own: 127.0.0.1, a free port, a temporary directory, no persistence.
 * Resolves once it answers; `stop()` ends it (SIGTERM, then SIGKILL after 3 s) and removes its directory.
 */
export async function startRedis({ binary = ensureRedis(), port, log = () => {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'offthread-redis-'));
  const listenPort = port ?? (await freePort());
  const args = ['--port', String(listenPort), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  let exited = false;
  const gone = new Promise((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPong(listenPort, 10_000, () => exited);
  } catch (error) {
    await stop();
    throw new Error(`${error.message}\n${output}`);
  }
  log(`redis-server ${binary} on 127.0.0.1:${listenPort} (pid ${child.pid}, dir ${dir})`);
  return { host: '127.0.0.1', port: listenPort, pid: child.pid, stop };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const binary = ensureRedis();
    console.log(`redis: ${binary}`);
    if (process.argv[2] === 'serve') {
      const redis = await startRedis({ binary, log: (line) => console.log(`redis: ${line}`) });
      const stop = () => void redis.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
  } catch (error) {
    console.error(`redis: ${error.message}`);
    process.exit(1);
  }
}
