import { describe } from '../job/job-options';
import type { JobAction } from '../job/transition';
import type { CloseGate } from './close-gate';

/**
 * Applies a user's change (`promote`, `changePriority`, `changeDelay`) to a job not started, and announces it;
 * refused with a `TypeError` that names the method and says the job's state.
 */
export async function changeJob(gate: CloseGate, relay: { queued(): void }, method: string, id: unknown, action: Extract<JobAction, { type: 'change' }>): Promise<void> {
  if (typeof id !== 'string') throw new TypeError(`Expected a job id string, got ${describe(id)}`);
  const [job] = (await gate.use((store) => store.commit([{ id, action }]))).updated;
  if (!job) {
    const found = await gate.use((store) => store.get(id));
    const allowed = action.onlyDelayed ? 'delayed' : 'waiting or delayed';
    throw new TypeError(`Cannot ${method}() job ${id}: ${found ? `it is ${found.state}` : 'there is no such job'}; only a ${allowed} job can be changed`);
  }
  relay.queued();
}
