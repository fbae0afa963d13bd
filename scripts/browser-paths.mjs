// Where the test browsers are, and the options every run gives them: one place for scripts/test.mjs,
// scripts/browsers.mjs, vitest.config.ts and playwright.config.ts.
//
//   CHROMIUM_PATH   Chromium or Chrome                      default /usr/bin/chromium         (Debian: chromium)
//   FIREFOX_PATH    Firefox 147 or later                    default /usr/bin/firefox-esr      (Debian: firefox-esr)
//   WEBKIT_BINARY   a WebKitGTK browser (MiniBrowser)       default Debian's MiniBrowser      (Debian: libwebkit2gtk-4.1-0)
//   WEBKIT_DRIVER   its WebDriver                           default /usr/bin/WebKitWebDriver  (Debian: webkit2gtk-driver)
//   XVFB_PATH       the X server WebKit draws into          default /usr/bin/Xvfb             (Debian: xvfb)
import { resolve } from 'node:path';
import process from 'node:process';

export const DEFAULT_PATHS = Object.freeze({
  chromium: '/usr/bin/chromium',
  firefox: '/usr/bin/firefox-esr',
  webkit: '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  webkitDriver: '/usr/bin/WebKitWebDriver',
  xvfb: '/usr/bin/Xvfb',
});

/**
 * The link named `safari` to the WebKit browser that scripts/test.mjs makes (@vitest/browser-webdriverio
 * takes only the browser names chrome, firefox, edge and safari, and WebKitWebDriver matches the name
 * against the binary's). Git-ignored.
 */
export const WEBKIT_LINK = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../.tmp/webkit/safari');

/** The binaries to use, each from its environment variable when set. */
export function browserPaths(env = process.env) {
  return {
    chromium: env.CHROMIUM_PATH || DEFAULT_PATHS.chromium,
    firefox: env.FIREFOX_PATH || DEFAULT_PATHS.firefox,
    // What the test runners launch: scripts/test.mjs sets WEBKIT_BINARY to its `safari` link for them.
    webkit: env.WEBKIT_BINARY || WEBKIT_LINK,
    webkitDriver: env.WEBKIT_DRIVER || DEFAULT_PATHS.webkitDriver,
    xvfb: env.XVFB_PATH || DEFAULT_PATHS.xvfb,
  };
}

/**
 * Firefox preferences for test runs: IndexedDB and `navigator.storage.persist()` without the permission
 * prompt a profile would otherwise show (and nobody would answer).
 */
export const firefoxUserPrefs = Object.freeze({
  'dom.storageManager.prompt.testing': true,
  'dom.storageManager.prompt.testing.allow': true,
});

/**
 * MiniBrowser's arguments: `--automation` lets WebKitWebDriver drive it; `navigator.storage` (StorageManager,
 * estimate()) is off in MiniBrowser by default, on in Safari and Epiphany.
 */
export const webkitArgs = Object.freeze(['--automation', '--features=StorageAPI,StorageAPIEstimate']);
