#!/usr/bin/env node
// Run by `pnpm test` before vitest: the dashboard's browser test drives Debian's Chromium
// (/usr/bin/chromium) with playwright-core and never downloads a browser of its own. On a
// fresh machine without it, this installs the Debian packages chromium and chromium-driver
// with apt-get (as root), or stops the test run with one line saying what is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
const PACKAGES = ['chromium', 'chromium-driver'];

function fail(reason) {
  process.stderr.write(`ensure-chromium: the dashboard browser test needs ${CHROMIUM}: ${reason}; install it with 'apt-get install ${PACKAGES.join(' ')}'\n`);
  process.exit(1);
}

function works() {
  return existsSync(CHROMIUM) && spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 30_000 }).status === 0;
}

if (!works()) {
  if (process.getuid?.() !== 0) fail('it is missing and only root can install it');
  if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) fail('it is missing and there is no apt-get');
  process.stderr.write(`ensure-chromium: installing ${PACKAGES.join(' ')} with apt-get…\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...PACKAGES]]) {
    const run = spawnSync('apt-get', args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (run.status !== 0) fail(`'apt-get ${args.join(' ')}' failed: ${String(run.stderr || run.stdout || run.error || '').trim().split('\n').pop()}`);
  }
  if (!works()) fail('apt-get installed the packages but it does not start');
}
