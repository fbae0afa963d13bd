// Smoke test of the browser test environment itself: a real browser (Chromium, Firefox or WebKit, one
// vitest project each) with module Workers and IndexedDB, the two things the library stands on. If this
// fails, look at the setup, not at src/.
import { describe, expect, it } from 'vitest';
import { server } from 'vitest/browser';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

describe('browser test environment', () => {
  it('runs in a real browser, not Node: the engine its project names', () => {
    expect(typeof window).toBe('object');
    // `safari` is the name the WebDriver provider gives WebKit (here WebKitGTK's MiniBrowser, not Safari).
    expect(['chromium', 'firefox', 'safari']).toContain(server.browser);
    if (server.browser === 'chromium') expect(navigator.userAgent).toMatch(/Chrome\//);
    if (server.browser === 'firefox') expect(navigator.userAgent).toMatch(/Firefox\/\d+/);
    if (server.browser === 'safari') {
      expect(navigator.userAgent).toMatch(/AppleWebKit\//);
      expect(navigator.userAgent).not.toMatch(/Chrome\/|Firefox\//);
    }
    expect(typeof (globalThis as { process?: unknown }).process).toBe('undefined');
  });

  it('starts a module worker from new URL(..., import.meta.url) and talks to it', async () => {
    const worker = new Worker(new URL('./fixtures/echo.worker.ts', import.meta.url), { type: 'module' });
    try {
      const reply = await new Promise<unknown>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<unknown>) => resolve(event.data);
        worker.onerror = (event) => reject(new Error(`worker error: ${event.message}`));
        worker.postMessage({ hello: 'worker' });
      });
      expect(reply).toEqual({ echo: { hello: 'worker' }, inWorker: true });
    } finally {
      worker.terminate();
    }
  });

  it('stores and reads back a record in IndexedDB', async () => {
    const name = `offthread-env-${crypto.randomUUID()}`;
    const open = indexedDB.open(name, 1);
    open.onupgradeneeded = () => open.result.createObjectStore('jobs', { keyPath: 'id' });
    const db = await request(open);
    try {
      const job = { id: 'a', payload: { n: 1, when: new Date(0), bytes: new Uint8Array([1, 2, 3]) } };
      await request(db.transaction('jobs', 'readwrite').objectStore('jobs').put(job));
      const back = await request(db.transaction('jobs', 'readonly').objectStore('jobs').get('a'));
      expect(back).toEqual(job);
    } finally {
      db.close();
      await request(indexedDB.deleteDatabase(name));
    }
  });
});

// What the README's "Browser support" table says of each engine, checked where the engine runs.
describe('the features offthread looks for', () => {
  it('Web Locks, BroadcastChannel, IndexedDB and service workers everywhere; Background Sync and Periodic Background Sync only in Chromium', () => {
    expect(typeof navigator.locks?.request).toBe('function');
    expect(typeof BroadcastChannel).toBe('function');
    expect(typeof indexedDB?.open).toBe('function');
    expect(typeof navigator.serviceWorker?.register).toBe('function');
    const chromium = server.browser === 'chromium';
    expect({ sync: 'SyncManager' in window, periodicSync: 'PeriodicSyncManager' in window }).toEqual({ sync: chromium, periodicSync: chromium });
  });
});
