import type { Clock, TimerHandle } from '../clock';

/**
 * After a network job's request got no answer at all although the browser said it was online (a captive
 * portal, a dead access point, an emulated network), network jobs are held back this long, doubling up to
 * the cap while it keeps happening; an `online` event or an answered request ends the wait.
 */
export const NETWORK_PROBE_MS = 1_000;
export const NETWORK_PROBE_CAP_MS = 60_000;

/** Options of a {@link NetworkGate}. */
export interface NetworkGateOptions {
  clock: Clock;
  /** What the browser says (`navigator.onLine`): offline, network jobs wait whatever else is known. */
  isOnline: () => boolean;
  /** The wait after an unanswered request is over: network jobs may go again. */
  reopened: () => void;
}

/**
 * Whether jobs that need the network may run now: the browser says it is online, and no request has gone
 * unanswered lately. Each run after a request got no answer holds them back for a probe wait, which doubles
 * while requests keep getting none.
 */
export class NetworkGate {
  readonly #o: NetworkGateOptions;
  /** Network jobs wait until then. */
  #closedUntil = 0;
  /** The last probe wait; 0 once the network answered. */
  #probeMs = 0;
  #timer: TimerHandle | undefined;

  constructor(options: NetworkGateOptions) {
    this.#o = options;
  }

  /** Whether network jobs may run now. */
  isOpen(): boolean {
    return this.#o.isOnline() && this.#o.clock.now() >= this.#closedUntil;
  }

  /** What a network job's run showed: an answer resets the probe wait; none holds network jobs back for the next one. */
  observed(network: 'answered' | 'unanswered' | undefined): void {
    if (network === 'answered') this.#probeMs = 0;
    else if (network === 'unanswered') this.#unanswered();
  }

  /** The network is back (the browser's `online` event): network jobs may go again at once. */
  back(): void {
    this.#closedUntil = 0;
    this.#probeMs = 0;
    this.#clearTimer();
  }

  /** Stops its timer. */
  close(): void {
    this.#clearTimer();
  }

  #unanswered(): void {
    this.#probeMs = Math.min(Math.max(NETWORK_PROBE_MS, this.#probeMs * 2), NETWORK_PROBE_CAP_MS);
    this.#closedUntil = this.#o.clock.now() + this.#probeMs;
    this.#clearTimer();
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#o.reopened();
    }, this.#probeMs);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
