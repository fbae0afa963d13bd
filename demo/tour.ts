// The tour's controls: a schedule switched on and off, workers that crash, and uploads through a server
// outage. Each adds jobs to the same queue as the buttons above; the table and the dashboard show them.
import type { JobHandle } from 'offthread';
import { queue } from './queue';

export interface TourHooks {
  /** Follows a job's handle (its value, its progress), as the page does for every job it adds. */
  follow: (handle: JobHandle<unknown>) => void;
  say: (message: string) => void;
  /** Runs `action` when the button is pressed, reporting what went wrong. */
  onClick: (id: string, action: () => Promise<void> | void) => void;
}

export const HEARTBEAT_EVERY_MS = 10_000;

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no #${id}`);
  return element as T;
}

/** A tiny file to upload, named by the time. */
function sampleFile(): { file: string; text: string } {
  const stamp = new Date().toISOString().slice(11, 19).replaceAll(':', '');
  return { file: `notes-${stamp}.txt`, text: `Written at ${new Date().toISOString()} by the offthread demo.` };
}

/** Wires the tour's controls. Resolves once they show what is stored (the schedule) and what the server says. */
export async function setUpTour({ follow, say, onClick }: TourHooks): Promise<void> {
  // 1. A schedule: stored with the queue, so it outlives the page, and run by whichever tab runs the queue.
  const heartbeat = byId<HTMLInputElement>('heartbeat');
  heartbeat.checked = (await queue.schedules()).some((s) => s.id === 'heartbeat');
  heartbeat.disabled = false;
  heartbeat.addEventListener('change', () => {
    const on = heartbeat.checked;
    
    const change = on
      ? queue.schedule('heartbeat', { every: HEARTBEAT_EVERY_MS }, { name: 'heartbeat', data: { note: 'still here' } })
      : queue.unschedule('heartbeat');
    change.then(
      () => say(on ? 'Scheduled "heartbeat": a job every 10 seconds, in every tab and the service worker, once.' : 'Unscheduled "heartbeat"; its jobs stay.'),
      (error: unknown) => {
        heartbeat.checked = !on;
        say(`Could not change the schedule: ${String(error)}`);
      },
    );
  });

  // 2. Crashes: the worker dies mid-run; Web Locks tell the queue at once, and it runs the job again.
  onClick('add-crash', async () => {
    follow(await queue.add('crash', null));
    say('Added a job that kills its worker on every run: watch it stall, rerun, and fail at the stall cap.');
  });
  onClick('add-crash-once', async () => {
    follow(await queue.add('crashOnce', null));
    say('Added a job that kills its worker once: watch it stall, then complete on attempt 2.');
  });

  // 3. Network jobs: a 503 is retried with backoff (honouring Retry-After); offline, they wait.
  onClick('add-upload', async () => {
    follow(await queue.add('upload', sampleFile()));
    say('Added an upload.');
  });
  const outage = byId<HTMLInputElement>('outage');
  const setOutage = async (on?: boolean) => {
    const response = await fetch(`/api/outage${on === undefined ? '' : `?on=${on ? 1 : 0}`}`, { method: 'POST' });
    if (!response.ok) throw new Error(`The demo server answered ${response.status}`);
    const state = (await response.json()) as { outage: boolean };
    outage.checked = state.outage;
    document.body.dataset.outage = String(state.outage);
    return state.outage;
  };
  outage.addEventListener('change', () => {
    setOutage(outage.checked).then(
      (on) => say(on ? 'The server now answers uploads with 503 and Retry-After: 2.' : 'The server is back: waiting uploads go through on their next attempt.'),
      (error: unknown) => say(`Could not reach the demo server: ${String(error)}`),
    );
  });
  outage.disabled = false;
  await setOutage().catch(() => {
    outage.disabled = true; // A static host without the demo's API: the switch cannot work there.
  });
}
