// Types of scripts/node-bundle.mjs, for the TypeScript files that import it.
export declare function bundleForNode(entry: string, outDir: string): Promise<string>;
