// A tiny API for the demo's network jobs, in both `vite` (dev) and `vite preview`:
//   POST /api/upload       → 200 with a JSON receipt, or 503 with `Retry-After: 2` while an outage is on;
//   POST /api/outage?on=1  → starts a simulated outage (`on=0` ends it); answers `{ outage }`.
// The outage lives in the server process: every tab (and the service worker) sees the same one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Connect, Plugin } from 'vite';

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => resolve(bytes));
    req.on('error', reject);
  });
}

export function demoApi(): Plugin {
  let outage = false;
  let receipts = 0;
  const handle: Connect.NextHandleFunction = (req, res, next) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/api/outage') {
      if (req.method !== 'POST') return send(res, 405, { error: 'POST only' }, { Allow: 'POST' });
      const on = url.searchParams.get('on');
      if (on === '1' || on === '0') outage = on === '1';
      return send(res, 200, { outage });
    }
    if (url.pathname === '/api/upload') {
      if (req.method !== 'POST') return send(res, 405, { error: 'POST only' }, { Allow: 'POST' });
      readBody(req).then(
        (bytes) => {
          if (outage) return send(res, 503, { error: 'Simulated outage: try again later' }, { 'Retry-After': '2' });
          const file = url.searchParams.get('file') ?? 'upload';
          send(res, 200, { receipt: `${file}#${++receipts}`, bytes, at: new Date().toISOString() });
        },
        () => send(res, 400, { error: 'Could not read the body' }),
      );
      return;
    }
    next();
  };
  return {
    name: 'offthread-demo-api',
    configureServer: (server) => void server.middlewares.use(handle),
    configurePreviewServer: (server) => void server.middlewares.use(handle),
  };
}
