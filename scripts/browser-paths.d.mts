// Types of scripts/browser-paths.mjs, for the TypeScript configs that import it.
export declare const DEFAULT_PATHS: Readonly<{
  chromium: string;
  firefox: string;
  webkit: string;
  webkitDriver: string;
  xvfb: string;
}>;
export declare const WEBKIT_LINK: string;
export declare function browserPaths(env?: Record<string, string | undefined>): {
  chromium: string;
  firefox: string;
  webkit: string;
  webkitDriver: string;
  xvfb: string;
};
export declare const firefoxUserPrefs: Readonly<Record<string, boolean>>;
export declare const webkitArgs: readonly string[];
