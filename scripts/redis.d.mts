// Types of scripts/redis.mjs, for the TypeScript files that import it.
export interface RunningRedis {
  host: string;
  port: number;
  pid: number | undefined;
  /** Ends the server (SIGTERM, then SIGKILL after 3 s) and removes its directory. */
  stop(): Promise<void>;
}
export declare function ensureRedis(options?: { log?: (line: string) => void }): string;
export declare function startRedis(options?: { binary?: string; port?: number; log?: (line: string) => void }): Promise<RunningRedis>;
