// Runs inside a network namespace of its own (started by offline-lab.ts with `unshare --net`): brings up a network
// whose default route the test can take away, starts a WebKitWebDriver there, and joins the namespace to the host
// through Unix sockets in DIR (which cross namespaces where TCP ports do not):
//   - each PORT given is listened on at 127.0.0.1:PORT inside, and forwarded to DIR/port-PORT.sock (the host
//     pipes that to its own 127.0.0.1:PORT), so pages in here reach the host's servers at the same origins;
//   - DIR/driver.sock is forwarded to the driver's port inside.
// Commands on stdin, one a line, each answered on stdout with `ok <command>`:
//   offline   remove the default route (GLib's network monitor, hence WebKit's navigator.onLine, then says offline),
//             and refuse connections to the NETWORK ports (open ones are cut)
//   online    put both back
// Usage: node netns-helper.mjs DIR DRIVER_PORT LOCAL_PORTS NETWORK_PORTS   (ports comma-separated)
import { execFileSync, spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const [dir, driverPortText, localText = '', networkText = ''] = process.argv.slice(2);
const ports = (text) => text.split(',').filter(Boolean).map(Number);
const driverPort = Number(driverPortText);
const localPorts = ports(localText);
const networkPorts = ports(networkText);

const ip = (...args) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
ip('link', 'set', 'lo', 'up');
// A link with an address and a gateway that lead nowhere: all a default route needs to exist.
ip('link', 'add', 'ot0', 'type', 'veth', 'peer', 'name', 'ot1');
ip('addr', 'add', '10.213.0.1/24', 'dev', 'ot0');
ip('link', 'set', 'ot0', 'up');
ip('link', 'set', 'ot1', 'up');
const addRoute = () => ip('route', 'add', 'default', 'via', '10.213.0.2', 'dev', 'ot0');
addRoute();

/** Pipes `socket` to a new connection made by `connect`; either end closing closes the other. */
function pipe(socket, connect) {
  const other = connect();
  socket.pipe(other).pipe(socket);
  const end = () => {
    socket.destroy();
    other.destroy();
  };
  socket.on('error', end).on('close', end);
  other.on('error', end).on('close', end);
  return other;
}

/** 127.0.0.1:port in here, forwarded to the host's port through DIR/port-PORT.sock. */
function forward(port) {
  const sockets = new Set();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    pipe(socket, () => createConnection(join(dir, `port-${port}.sock`)));
  });
  return {
    listen: () => new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve())),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const network = new Map(networkPorts.map((port) => [port, forward(port)]));
for (const port of localPorts) await forward(port).listen();
for (const link of network.values()) await link.listen();

const driver = spawn('WebKitWebDriver', [`--port=${driverPort}`], { stdio: ['ignore', 'ignore', 'inherit'] });
driver.on('exit', (code) => {
  console.error(`netns-helper: WebKitWebDriver exited (${code})`);
  process.exit(1);
});
createServer((socket) => pipe(socket, () => createConnection(driverPort, '127.0.0.1'))).listen(join(dir, 'driver.sock'));
for (let i = 0; ; i++) {
  const up = await new Promise((resolve) => {
    const probe = createConnection(driverPort, '127.0.0.1', () => (probe.destroy(), resolve(true)));
    probe.on('error', () => resolve(false));
  });
  if (up) break;
  if (i > 100) throw new Error('WebKitWebDriver did not listen within 10 s');
  await new Promise((r) => setTimeout(r, 100));
}

const stop = () => {
  driver.removeAllListeners('exit');
  driver.kill('SIGTERM');
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

let online = true;
createInterface({ input: process.stdin }).on('line', async (line) => {
  const command = line.trim();
  if (command === 'offline' && online) {
    online = false;
    ip('route', 'del', 'default');
    for (const link of network.values()) await link.close();
  } else if (command === 'online' && !online) {
    online = true;
    addRoute();
    for (const link of network.values()) await link.listen();
  } else if (command === 'stop') stop();
  console.log(`ok ${command}`);
});
process.stdin.on('end', stop);
console.log('ready');
