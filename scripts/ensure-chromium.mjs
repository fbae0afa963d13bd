#!/usr/bin/env node
// Makes sure a Chromium is there for the browser and end-to-end tests.
//
//   CHROMIUM_PATH set      -> that file must be an executable; nothing is installed.
//   else /usr/bin/chromium -> used if present; if not, installed with apt-get when running as
//                             root on Debian, otherwise this prints how to get one and exits 1.
//
// Fast and silent-ish when Chromium is already there: one line, no subprocess.
import { accessSync, constants, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import process from 'node:process';

const DEFAULT_PATH = '/usr/bin/chromium';

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function fail(lines) {
  console.error(lines.map((line) => `ensure-chromium: ${line}`).join('\n'));
  process.exit(1);
}

function run(command, args) {
  console.log(`ensure-chromium: $ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) fail([`could not run ${command}: ${result.error.message}`]);
  if (result.status !== 0) fail([`\`${[command, ...args].join(' ')}\` failed (exit ${result.status ?? result.signal})`]);
}

const fromEnv = process.env.CHROMIUM_PATH;
if (fromEnv) {
  if (isExecutable(fromEnv)) {
    console.log(`ensure-chromium: using ${fromEnv} (CHROMIUM_PATH)`);
    process.exit(0);
  }
  fail([
    `CHROMIUM_PATH is set to ${fromEnv}, but no executable is there.`,
    'Point it at a Chromium or Chrome binary, or unset it to use Debian\'s chromium at /usr/bin/chromium.',
  ]);
}

if (isExecutable(DEFAULT_PATH)) {
  console.log(`ensure-chromium: using ${DEFAULT_PATH}`);
  process.exit(0);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const isDebian = existsSync('/etc/debian_version') && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;

const howTo = [
  'The browser and end-to-end tests need Chromium. Either:',
  '  - on Debian:  sudo apt-get update && sudo apt-get install -y chromium   (puts it at /usr/bin/chromium)',
  '  - or set CHROMIUM_PATH to a Chromium/Chrome binary, for example Playwright\'s own:',
  '      npx playwright install chromium',
  '      export CHROMIUM_PATH="$(node -e "console.log(require(\'playwright\').chromium.executablePath())")"',
];

if (!isRoot || !isDebian) {
  fail([`no Chromium at ${DEFAULT_PATH} and CHROMIUM_PATH is not set.`, ...howTo]);
}

console.log(`ensure-chromium: no Chromium at ${DEFAULT_PATH}; installing Debian's chromium package (running as root).`);
run('apt-get', ['update']);
run('apt-get', ['install', '-y', 'chromium']);
if (!isExecutable(DEFAULT_PATH)) {
  fail([`apt-get installed chromium, but ${DEFAULT_PATH} is still missing.`, ...howTo]);
}
console.log(`ensure-chromium: installed; using ${DEFAULT_PATH}`);
