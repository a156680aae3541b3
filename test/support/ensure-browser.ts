import { spawnSync } from 'node:child_process';
import { type BrowserHost, findBrowser, localHost, missingBrowserMessage } from './find-browser';

// What scripts/ensure-chromium.ts decides before the tests: use the browser that is there,
// install Debian's chromium only where that is allowed (Linux, root, apt-get), and otherwise
// say why not. It never throws: the other tests run either way.

/** What installing needs of the machine; {@link localInstaller} is this one. */
export interface Installer {
  /** The process's uid (undefined on Windows). */
  uid: number | undefined;
  hasAptGet(): boolean;
  /** `apt-get update && apt-get install chromium`: undefined when it worked, else why not. */
  aptInstall(): string | undefined;
}

/** apt-get on this machine, its output kept out of the test log. */
export function localInstaller(): Installer {
  return {
    uid: process.getuid?.(),
    hasAptGet: () => spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0,
    aptInstall: () => {
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
        const run = spawnSync('apt-get', args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
        if (run.status !== 0) return `'apt-get ${args.join(' ')}' failed: ${String(run.stderr || run.stdout || run.error || '').trim().split('\n').pop()}`;
      }
      return undefined;
    },
  };
}

const SOURCES = { installed: 'installed', playwright: "Playwright's cache", CHROME_PATH: 'CHROME_PATH' } as const;
const OTHERS_RUN = 'the dashboard browser test will fail, the others run';

/** Finds a browser, or installs Debian's chromium where allowed; returns the one line that says what happened. */
export function ensureBrowser(host: BrowserHost = localHost(), installer: Installer = localInstaller()): string {
  const found = findBrowser(host);
  if (found) return `the browser test will use ${found.path} (${SOURCES[found.source]})`;
  // Installing would not change what CHROME_PATH names.
  if (host.env.CHROME_PATH) return `not installing anything: ${missingBrowserMessage(host)}`;
  const reason = host.platform !== 'linux' ? `this is ${host.platform}, not Linux` : installer.uid !== 0 ? 'not running as root' : !installer.hasAptGet() ? 'there is no apt-get' : undefined;
  if (reason) return `no Chromium or Chrome found, and not installing one (${reason}); ${OTHERS_RUN}. ${missingBrowserMessage(host)}`;
  const failed = installer.aptInstall();
  if (failed) return `installing Debian's chromium failed (${failed}); ${OTHERS_RUN}`;
  const installed = findBrowser(host);
  return installed ? `installed Debian's chromium with apt-get: the browser test will use ${installed.path}` : `apt-get installed chromium, but not where the browser test looks; ${OTHERS_RUN}`;
}
