// A WebKit whose network a test can take away for real: WebDriver classic has no network emulation, so the driver
// and its browser run in a Linux network namespace of their own (support/netns-helper.mjs, under `unshare --net`,
// which needs root or CAP_SYS_ADMIN). Going offline there removes the default route, which is what WebKitGTK's
// navigator.onLine follows (GLib's network monitor; WebKit updates it, with `offline`/`online` events, about 2 s
// after), and refuses connections to the servers that stand for the network. The page's own origin (the harness
// server on loopback) stays up, like an app served from the device.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../support/free-port';
import { WebKit } from './webkit';

const HELPER = join(dirname(fileURLToPath(import.meta.url)), 'netns-helper.mjs');

/** Why a network namespace cannot be made here, or `undefined` if it can. */
export function whyNoNetworkNamespace(): string | undefined {
  const probe = spawnSync('unshare', ['--net', 'true'], { encoding: 'utf8' });
  if (probe.error) return `unshare could not run: ${probe.error.message}`;
  if (probe.status !== 0) return `unshare --net failed (it needs root or CAP_SYS_ADMIN): ${probe.stderr.trim()}`;
  if (spawnSync('ip', ['-V']).error) return 'no `ip` command (iproute2)';
  return undefined;
}

function pipe(socket: Socket, other: Socket): void {
  socket.pipe(other).pipe(socket);
  const end = () => {
    socket.destroy();
    other.destroy();
  };
  socket.on('error', end).on('close', end);
  other.on('error', end).on('close', end);
}

export class OfflineLab {
  readonly #helper: ChildProcess;
  readonly #servers: Server[];
  readonly #dir: string;
  readonly #replies: AsyncIterator<string>;
  readonly driverUrl: URL;

  private constructor(helper: ChildProcess, servers: Server[], dir: string, replies: AsyncIterator<string>, driverUrl: URL) {
    this.#helper = helper;
    this.#servers = servers;
    this.#dir = dir;
    this.#replies = replies;
    this.driverUrl = driverUrl;
  }

  /**
   * Starts the namespace with its driver. `local` ports stay reachable from it at 127.0.0.1 (the app's origin);
   * `network` ports (the servers the app talks to) go away while it is offline.
   */
  static async start(local: number[], network: number[]): Promise<OfflineLab> {
    const dir = mkdtempSync(join(tmpdir(), 'offthread-netns-'));
    const servers: Server[] = [];
    // The host's end of each forwarded port.
    for (const port of [...local, ...network]) {
      const server = createServer((socket) => pipe(socket, createConnection(port, '127.0.0.1')));
      await new Promise<void>((resolve) => server.listen(join(dir, `port-${port}.sock`), resolve));
      servers.push(server);
    }
    const helper = spawn('unshare', ['--net', '--fork', process.execPath, HELPER, dir, String(await freePort()), local.join(','), network.join(',')], {
      stdio: ['pipe', 'pipe', 'inherit'],
      detached: true,
    });
    const replies = createInterface({ input: helper.stdout! })[Symbol.asyncIterator]();
    const first = await Promise.race([
      replies.next().then((r) => (r.done ? 'the helper ended' : r.value)),
      new Promise<string>((resolve) => setTimeout(() => resolve('no answer within 20 s'), 20_000)),
    ]);
    if (first !== 'ready') {
      helper.kill('SIGTERM');
      throw new Error(`The network namespace did not start: ${first}`);
    }
    // The host's way in to the driver.
    const driverServer = createServer((socket) => pipe(socket, createConnection(join(dir, 'driver.sock'))));
    await new Promise<void>((resolve) => driverServer.listen(0, '127.0.0.1', resolve));
    servers.push(driverServer);
    const address = driverServer.address() as { port: number };
    return new OfflineLab(helper, servers, dir, replies, new URL(`http://127.0.0.1:${address.port}/`));
  }

  /** A browser in the namespace. */
  browser(): Promise<WebKit> {
    return WebKit.start(this.driverUrl);
  }

  /** Takes the network away (false) or gives it back (true); resolves once done (navigator.onLine follows ~2 s later). */
  async setOnline(online: boolean): Promise<void> {
    const command = online ? 'online' : 'offline';
    this.#helper.stdin!.write(`${command}\n`);
    const reply = await this.#replies.next();
    if (reply.done || reply.value !== `ok ${command}`) throw new Error(`The network namespace did not go ${command}: ${reply.value}`);
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.#helper.once('exit', () => resolve()));
    if (this.#helper.exitCode === null && this.#helper.signalCode === null) {
      try {
        process.kill(-this.#helper.pid!, 'SIGTERM'); // unshare, the helper, its driver and the browser
      } catch {
        this.#helper.kill('SIGTERM');
      }
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    }
    for (const server of this.#servers) server.close();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
