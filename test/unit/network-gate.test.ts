// The network gate: whether network jobs may run now, and its probe wait after requests get no answer.
import { describe, expect, it } from 'vitest';
import { NETWORK_PROBE_CAP_MS, NETWORK_PROBE_MS, NetworkGate } from '../../src/runner/network-gate';
import { FakeClock } from './support/fake-clock';

function gate(online = () => true) {
  const clock = new FakeClock();
  const reopened: number[] = [];
  const network = new NetworkGate({ clock, isOnline: online, reopened: () => reopened.push(clock.now()) });
  return { clock, network, reopened };
}

describe('NetworkGate', () => {
  it('is open while the browser says online and no request went unanswered; closed while offline', () => {
    let online = true;
    const { network } = gate(() => online);
    expect(network.isOpen()).toBe(true);
    online = false;
    expect(network.isOpen()).toBe(false);
    online = true;
    expect(network.isOpen()).toBe(true);
  });

  it('an unanswered request closes it for the probe wait, then it reopens and says so', async () => {
    const { clock, network, reopened } = gate();
    const start = clock.now();
    network.observed('unanswered');
    expect(network.isOpen()).toBe(false);
    await clock.advance(NETWORK_PROBE_MS - 1);
    expect(network.isOpen()).toBe(false);
    expect(reopened).toEqual([]);
    await clock.advance(1);
    expect(network.isOpen()).toBe(true);
    expect(reopened).toEqual([start + NETWORK_PROBE_MS]);
  });

  it('the wait doubles while requests keep getting no answer, up to the cap; an answer starts it over', async () => {
    const { clock, network } = gate();
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const before = clock.now();
      network.observed('unanswered');
      while (!network.isOpen()) await clock.advance(500);
      waits.push(clock.now() - before);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, NETWORK_PROBE_CAP_MS, NETWORK_PROBE_CAP_MS]);
    network.observed('answered');
    const before = clock.now();
    network.observed('unanswered');
    while (!network.isOpen()) await clock.advance(500);
    expect(clock.now() - before).toBe(NETWORK_PROBE_MS);
  });

  it('a run that tells nothing of the network changes nothing', () => {
    const { network, clock } = gate();
    network.observed(undefined);
    expect(network.isOpen()).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it("back() (the browser's online event) opens it at once, with the wait started over and no timer left", async () => {
    const { clock, network, reopened } = gate();
    network.observed('unanswered');
    network.observed('unanswered');
    network.back();
    expect(network.isOpen()).toBe(true);
    expect(clock.pending).toBe(0);
    const before = clock.now();
    network.observed('unanswered');
    await clock.advance(NETWORK_PROBE_MS);
    expect(network.isOpen()).toBe(true);
    expect(reopened).toEqual([before + NETWORK_PROBE_MS]);
  });

  it('close() clears its timer: it tells nothing after', async () => {
    const { clock, network, reopened } = gate();
    network.observed('unanswered');
    network.close();
    expect(clock.pending).toBe(0);
    await clock.advance(NETWORK_PROBE_CAP_MS);
    expect(reopened).toEqual([]);
  });
});
