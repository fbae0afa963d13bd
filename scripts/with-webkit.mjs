#!/usr/bin/env node
// Runs one command with the WebKit test session up (scripts/webkit-session.mjs): Xvfb and WebKitWebDriver
// started, WEBKIT_WEBDRIVER_URL, WEBKIT_BINARY and DISPLAY set for the command, everything stopped when it
// ends (also on Ctrl-C). Exits with the command's exit code.
//
//   node scripts/with-webkit.mjs npx vitest run --project browser-webkit test/browser/queue.test.ts
import { spawn } from 'node:child_process';
import process from 'node:process';
import { startWebKitSession } from './webkit-session.mjs';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/with-webkit.mjs <command> [args...]');
  process.exit(2);
}

let session;
try {
  session = await startWebKitSession({ log: (line) => console.log(`with-webkit: ${line}`) });
} catch (error) {
  console.error(`with-webkit: ${error.message}`);
  process.exit(1);
}
process.on('exit', () => session.stopNow());

const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ...session.env } });
// Ctrl-C reaches the command directly (same process group); wait for it to end, then stop the session.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
const code = await new Promise((resolve) => {
  child.on('error', (error) => {
    console.error(`with-webkit: could not start ${command}: ${error.message}`);
    resolve(1);
  });
  child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal === 'SIGINT' ? 130 : 1)));
});
await session.stop();
process.exit(code);
