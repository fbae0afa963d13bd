// The BullMQ suite's real parts: a redis-server of its own (installed from Debian's packages where missing,
// on a free port, in a temporary directory, no persistence), and the child process script bundled for Node.
import type { TestProject } from 'vitest/node';
import { bundleForNode } from '../../scripts/node-bundle.mjs';
import { startRedis } from '../../scripts/redis.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    redis: { host: string; port: number };
    serveChild: string;
  }
}

export default async function setup(project: TestProject) {
  const [redis, serveChild] = await Promise.all([
    startRedis({ log: (line: string) => console.log(`bullmq suite: ${line}`) }),
    bundleForNode('test/bullmq/fixtures/serve-child.ts', '.tmp/bullmq'),
  ]);
  project.provide('redis', { host: redis.host, port: redis.port });
  project.provide('serveChild', serveChild);
  return () => redis.stop();
}
