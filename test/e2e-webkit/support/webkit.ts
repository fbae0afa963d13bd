// A WebKit browser for one test, over classic WebDriver (webdriverio's `remote()`, to WebKitWebDriver), and its
// windows, each a tab of the app (WebDriver's `newWindow`/`switchToWindow`/`closeWindow` underneath).
// Each session starts MiniBrowser afresh with an ephemeral profile: IndexedDB, service workers and locks start empty.
import { remote } from 'webdriverio';

/** The WebKitWebDriver to talk to, and the browser it starts (see vitest.config.ts). */
function driverUrl(): URL {
  const url = process.env.WEBKIT_WEBDRIVER_URL;
  if (!url) throw new Error('WEBKIT_WEBDRIVER_URL is not set: run these tests through test/e2e-webkit/vitest.config.ts');
  return new URL(url);
}

export const WEBKIT_BINARY = process.env.WEBKIT_BINARY || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/**
 * MiniBrowser's arguments: driven (`--automation`), with the Storage API on (MiniBrowser ships with
 * `navigator.storage` off, which Safari has).
 */
const BROWSER_ARGS = ['--automation', '--features=StorageAPI,StorageAPIEstimate'];

/** One browser (one WebDriver session) and the windows it has open. */
export class WebKit {
  readonly browser: WebdriverIO.Browser;
  /** The window commands go to now. */
  #current: string;
  /** The window the session began with, not yet given a page. */
  #unused: string | undefined;

  private constructor(browser: WebdriverIO.Browser, first: string) {
    this.browser = browser;
    this.#current = first;
    this.#unused = first;
  }

  /** Starts MiniBrowser through the driver at `url` (default: WEBKIT_WEBDRIVER_URL). */
  static async start(url: URL = driverUrl()): Promise<WebKit> {
    const browser = await remote({
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      logLevel: 'warn',
      connectionRetryCount: 1,
      // No browserName: WebKitWebDriver names the browser after its binary (MiniBrowser, or a `safari` link).
      capabilities: {
        'wdio:enforceWebDriverClassic': true,
        'webkitgtk:browserOptions': { binary: WEBKIT_BINARY, args: BROWSER_ARGS },
      } as WebdriverIO.Capabilities,
    });
    await browser.setTimeout({ script: 90_000, pageLoad: 60_000 });
    const first = await browser.getWindowHandle();
    const webkit = new WebKit(browser, first);
    await browser.setWindowSize(1280, 900);
    return webkit;
  }

  /** Opens `url` in a new window (the first one in the window the session began with); resolves once it loaded. */
  async open(url: string): Promise<Tab> {
    let handle = this.#unused;
    this.#unused = undefined;
    if (!handle) handle = (await this.browser.createWindow('window')).handle;
    await this.#focus(handle);
    await this.browser.url(url);
    return new Tab(this, handle);
  }

  /** @internal */
  async focus(handle: string): Promise<void> {
    await this.#focus(handle);
  }

  async #focus(handle: string): Promise<void> {
    if (this.#current === handle) return;
    await this.browser.switchToWindow(handle);
    this.#current = handle;
  }

  /** @internal Closes a window; the last one is not closed (that would end the session): it goes blank. */
  async close(handle: string): Promise<void> {
    const handles = await this.browser.getWindowHandles();
    await this.#focus(handle);
    if (handles.length === 1) {
      await this.browser.url('about:blank');
      this.#unused = handle;
      return;
    }
    await this.browser.closeWindow();
    const next = handles.find((h) => h !== handle)!;
    await this.browser.switchToWindow(next);
    this.#current = next;
  }

  /** Ends the session: the browser and its ephemeral profile go. */
  async end(): Promise<void> {
    await this.browser.deleteSession().catch(() => undefined);
  }
}

/** One window of the browser: a tab of the app. */
export class Tab {
  readonly #webkit: WebKit;
  readonly handle: string;
  #closed = false;

  constructor(webkit: WebKit, handle: string) {
    this.#webkit = webkit;
    this.handle = handle;
  }

  get browser(): WebdriverIO.Browser {
    return this.#webkit.browser;
  }

  /**
   * Runs `fn` in the page (its source is sent: it may use only its arguments and the page's globals) and resolves
   * with what it returns, a Promise awaited (WebDriver's Execute Script), through JSON.
   */
  async evaluate<R, A extends unknown[]>(fn: (...args: A) => R, ...args: A): Promise<Awaited<R>> {
    if (this.#closed) throw new Error('this tab is closed');
    await this.#webkit.focus(this.handle);
    // The page turns the value into JSON itself: WebKitWebDriver fails, with an error that says nothing
    // ("[object Object]"), to send back some values, such as the error facts of a failed job.
    // `__name` is what a transform that keeps function names may call in `fn`'s source.
    const script = `var __name = (f) => f; return Promise.resolve((${fn.toString()}).apply(null, arguments)).then((value) => JSON.stringify({ value }));`;
    const json = (await this.browser.execute(script, ...(args as unknown as never[]))) as string;
    return (JSON.parse(json) as { value: Awaited<R> }).value;
  }

  /** Resolves once `fn` returns something truthy in the page (polled), with what it returned. */
  async waitFor<R, A extends unknown[]>(fn: (...args: A) => R, args: A, { timeout = 15_000, interval = 100, what = fn.toString() } = {}): Promise<Awaited<R>> {
    const deadline = Date.now() + timeout;
    let last: Awaited<R> | undefined;
    for (;;) {
      last = await this.evaluate(fn, ...args);
      if (last) return last;
      if (Date.now() > deadline) throw new Error(`Timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
      await new Promise((r) => setTimeout(r, interval));
    }
  }

  /** Goes to `url` in this window. */
  async goto(url: string): Promise<void> {
    await this.#webkit.focus(this.handle);
    await this.browser.url(url);
  }

  /** Reloads the page (WebDriver's Refresh). */
  async reload(): Promise<void> {
    await this.#webkit.focus(this.handle);
    await this.browser.refresh();
  }

  /** Saves what the window shows as a PNG. */
  async screenshot(path: string): Promise<void> {
    await this.#webkit.focus(this.handle);
    await this.browser.saveScreenshot(path);
  }

  /** Saves what the element at `selector` shows (WebDriver's Take Element Screenshot) as a PNG. */
  async screenshotElement(selector: string, path: string): Promise<void> {
    await this.#webkit.focus(this.handle);
    await this.browser.$(selector).saveScreenshot(path);
  }

  /** Clicks the element at `selector` as a user would (WebDriver's Element Click: scrolled into view, hit-tested). */
  async click(selector: string): Promise<void> {
    await this.#webkit.focus(this.handle);
    await this.browser.$(selector).click();
  }

  /** Closes the window: its page goes (no beforeunload prompt: there is none in the harness). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#webkit.close(this.handle);
  }
}
