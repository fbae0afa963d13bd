// The test command's own refusals (scripts/test.mjs, scripts/browsers.mjs): what a user sees when an
// engine is misnamed or a browser given by the environment is missing. Run as a user runs them, with this Node.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/pack';

const run = promisify(execFile);

/** Runs `node <script> <args>`; resolves with its exit code and output, whether it failed or not. */
async function node(script: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(repoRoot, script), ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm test', () => {
  it('refuses an unknown engine, naming the ones there are, and counts the run as failed', async () => {
    const { code, stdout, stderr } = await node('scripts/test.mjs', ['browser', '--engine', 'chromium,opera']);
    expect(code).toBe(2);
    expect(stderr).toContain('test: unknown engine "opera"; engines are: chromium, firefox, webkit');
    expect(stdout.trim().split('\n').at(-1)).toBe('0 passed, 1 failed');
  });

  it('refuses --engine with no engine after it', async () => {
    const { code, stderr } = await node('scripts/test.mjs', ['--engine']);
    expect(code).toBe(2);
    expect(stderr).toContain('test: --engine needs an engine');
  });
});

describe('scripts/browsers.mjs', () => {
  it('fails loudly when FIREFOX_PATH names no executable, and says what to do', async () => {
    const { code, stderr } = await node('scripts/browsers.mjs', ['firefox'], { FIREFOX_PATH: '/nonexistent/firefox' });
    expect(code).toBe(1);
    expect(stderr).toContain('browsers: FIREFOX_PATH is set to /nonexistent/firefox, but no executable is there.');
    expect(stderr).toContain("Point it at a Firefox binary, or unset it to use Debian's at /usr/bin/firefox-esr.");
  });

  it('refuses an unknown engine', async () => {
    const { code, stderr } = await node('scripts/browsers.mjs', ['opera']);
    expect(code).toBe(1);
    expect(stderr).toContain('expected an engine (chromium, firefox, webkit), got "opera"');
  });
});
