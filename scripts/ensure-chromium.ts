// Run by `pnpm test` before vitest: the dashboard's browser test drives a Chromium or Chrome
// with playwright-core, which never downloads one itself. This finds the one the machine has
// (test/support/find-browser.ts) or installs Debian's chromium where it may (Linux, root,
// apt-get), and prints one line saying which. It never fails the command: without a browser
// the other tests still run, and the browser test fails naming what to install.
import { ensureBrowser } from '../test/support/ensure-browser';

process.stderr.write(`ensure-chromium: ${ensureBrowser()}\n`);
