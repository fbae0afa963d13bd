#!/usr/bin/env node
// Makes sure the browsers of the given engines are there for the browser and end-to-end tests:
//
//   node scripts/browsers.mjs [chromium] [firefox] [webkit]     (default: all three)
//
// Each binary comes from its environment variable when set (see browser-paths.mjs), which must then name
// an executable: nothing is installed for it. Otherwise Debian's package is used, and installed with apt-get
// when missing and running as root on Debian; anywhere else this prints how to get it and exits 1.
//
//   chromium  /usr/bin/chromium                                      chromium            (CHROMIUM_PATH)
//   firefox   /usr/bin/firefox-esr                                   firefox-esr         (FIREFOX_PATH)
//   webkit    /usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser   libwebkit2gtk-4.1-0 (WEBKIT_BINARY)
//             /usr/bin/WebKitWebDriver                               webkit2gtk-driver   (WEBKIT_DRIVER)
//             /usr/bin/Xvfb (unless DISPLAY or WEBKIT_WEBDRIVER_URL is set)   xvfb       (XVFB_PATH)
//
// With WEBKIT_WEBDRIVER_URL set, the driver is one already running and only the browser binary is checked.
// Fast when all is there: one line per engine, no subprocess.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { DEFAULT_PATHS } from './browser-paths.mjs';
import { isExecutable } from './host-tools.mjs';

export const ENGINES = ['chromium', 'firefox', 'webkit'];

/** What an engine needs: each binary, the variable that overrides it, and the Debian package that has it. */
function needs(engine, env) {
  switch (engine) {
    case 'chromium':
      return [{ what: 'Chromium', variable: 'CHROMIUM_PATH', path: DEFAULT_PATHS.chromium, pkg: 'chromium' }];
    case 'firefox':
      return [{ what: 'Firefox', variable: 'FIREFOX_PATH', path: DEFAULT_PATHS.firefox, pkg: 'firefox-esr' }];
    case 'webkit': {
      const list = [{ what: 'WebKit browser (MiniBrowser)', variable: 'WEBKIT_BINARY', path: DEFAULT_PATHS.webkit, pkg: 'libwebkit2gtk-4.1-0' }];
      if (!env.WEBKIT_WEBDRIVER_URL) {
        list.push({ what: 'WebKitWebDriver', variable: 'WEBKIT_DRIVER', path: DEFAULT_PATHS.webkitDriver, pkg: 'webkit2gtk-driver' });
        if (!env.DISPLAY) list.push({ what: 'Xvfb', variable: 'XVFB_PATH', path: DEFAULT_PATHS.xvfb, pkg: 'xvfb' });
      }
      return list;
    }
    default:
      throw new TypeError(`expected an engine (${ENGINES.join(', ')}), got ${JSON.stringify(engine)}`);
  }
}

function fail(lines) {
  console.error(lines.map((line) => `browsers: ${line}`).join('\n'));
  process.exit(1);
}

function run(command, args) {
  console.log(`browsers: $ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.error) fail([`could not run ${command}: ${result.error.message}`]);
  if (result.status !== 0) fail([`\`${[command, ...args].join(' ')}\` failed (exit ${result.status ?? result.signal})`]);
}

function howTo(missing) {
  const packages = [...new Set(missing.map((need) => need.pkg))].join(' ');
  return [
    'Either:',
    `  - on Debian (12 or later):  sudo apt-get update && sudo apt-get install -y ${packages}`,
    ...missing.map((need) => `  - or set ${need.variable} to a ${need.what} binary of your own`),
    '  - or leave the engine out: npm test -- --engine chromium   (or firefox, webkit; a comma-separated list)',
  ];
}

const env = process.env;
const engines = process.argv.slice(2);
const unknown = engines.filter((engine) => !ENGINES.includes(engine));
if (unknown.length > 0) fail([`expected an engine (${ENGINES.join(', ')}), got ${unknown.map((engine) => JSON.stringify(engine)).join(', ')}`]);
const wanted = engines.length > 0 ? engines : ENGINES;

const missing = [];
for (const engine of wanted) {
  for (const need of needs(engine, env)) {
    const given = env[need.variable];
    if (given) {
      if (!isExecutable(given)) {
        fail([`${need.variable} is set to ${given}, but no executable is there.`, `Point it at a ${need.what} binary, or unset it to use Debian's at ${need.path}.`]);
      }
      console.log(`browsers: ${engine}: ${need.what} ${given} (${need.variable})`);
    } else if (isExecutable(need.path)) {
      console.log(`browsers: ${engine}: ${need.what} ${need.path}`);
    } else {
      missing.push({ ...need, engine });
    }
  }
}
if (missing.length === 0) process.exit(0);

const list = missing.map((need) => `${need.engine}: no ${need.what} at ${need.path} and ${need.variable} is not set`);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const isDebian = existsSync('/etc/debian_version') && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;
if (!isRoot || !isDebian) {
  fail([...list, `Cannot install them here (${!isDebian ? 'not Debian with apt-get' : 'not running as root'}).`, ...howTo(missing)]);
}

const packages = [...new Set(missing.map((need) => need.pkg))];
console.log(`browsers: ${list.join('; ')}; installing Debian's ${packages.join(', ')} (running as root).`);
run('apt-get', ['update']);
run('apt-get', ['install', '-y', ...packages]);
const still = missing.filter((need) => !isExecutable(need.path));
if (still.length > 0) {
  fail([...still.map((need) => `apt-get installed ${need.pkg}, but ${need.path} is still missing.`), ...howTo(still)]);
}
for (const need of missing) console.log(`browsers: ${need.engine}: installed; ${need.what} ${need.path}`);
