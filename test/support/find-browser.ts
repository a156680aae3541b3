import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

// Where the dashboard's browser test finds a Chromium or Chrome to drive with playwright-core,
// which never downloads one itself: the browser a developer already has. Everything the search
// reads comes through BrowserHost, so a unit test can lay out a fake machine of any platform.

/** What the search reads of the machine; {@link localHost} is this one. */
export interface BrowserHost {
  /** Environment variables: CHROME_PATH, PLAYWRIGHT_BROWSERS_PATH, XDG_CACHE_HOME, LOCALAPPDATA, PROGRAMFILES… */
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  /** The user's home directory. */
  home: string;
  /** Whether a file is at `path`. */
  exists(path: string): boolean;
  /** The names in directory `dir`; [] when there is none. */
  list(dir: string): string[];
}

/** A browser found, and which rule found it (for the line that says so). */
export interface FoundBrowser {
  path: string;
  /** `CHROME_PATH`, `installed` (a usual install location) or `playwright` (Playwright's cache). */
  source: 'CHROME_PATH' | 'installed' | 'playwright';
}

/** This machine. */
export function localHost(): BrowserHost {
  return {
    env: process.env,
    platform: process.platform,
    home: homedir(),
    exists: (path) => existsSync(path),
    list: (dir) => {
      try {
        return readdirSync(dir);
      } catch {
        return []; // no cache directory is the usual case, not an error
      }
    },
  };
}

const pathsOf = (host: BrowserHost) => (host.platform === 'win32' ? win32 : posix);

/** The usual install locations of Chromium and Chrome on the host's platform, in the order tried. */
export function installLocations(host: BrowserHost): string[] {
  const { join } = pathsOf(host);
  if (host.platform === 'darwin') {
    const apps = ['/Applications', join(host.home, 'Applications')];
    return apps.flatMap((dir) => [
      join(dir, 'Chromium.app/Contents/MacOS/Chromium'),
      join(dir, 'Google Chrome.app/Contents/MacOS/Google Chrome'),
    ]);
  }
  if (host.platform === 'win32') {
    const roots = [
      host.env.PROGRAMFILES ?? 'C:\\Program Files',
      host.env['PROGRAMFILES(X86)'] ?? 'C:\\Program Files (x86)',
      host.env.LOCALAPPDATA ?? join(host.home, 'AppData', 'Local'),
    ];
    return roots.flatMap((root) => [join(root, 'Chromium', 'Application', 'chrome.exe'), join(root, 'Google', 'Chrome', 'Application', 'chrome.exe')]);
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium', '/opt/google/chrome/chrome'];
}

/** Playwright's browser cache, where `playwright install` puts its builds (as playwright-core computes it). */
export function playwrightCache(host: BrowserHost): string {
  const { join } = pathsOf(host);
  const set = host.env.PLAYWRIGHT_BROWSERS_PATH;
  if (set && set !== '0') return set;
  if (host.platform === 'darwin') return join(host.home, 'Library', 'Caches', 'ms-playwright');
  if (host.platform === 'win32') return join(host.env.LOCALAPPDATA ?? join(host.home, 'AppData', 'Local'), 'ms-playwright');
  return join(host.env.XDG_CACHE_HOME ?? join(host.home, '.cache'), 'ms-playwright');
}

// The executable inside a build directory, per platform: Chrome for Testing builds (Playwright
// ≥ 1.49), the older Chromium builds, then the headless shell (enough for a headless test).
const BUILDS: Record<'linux' | 'darwin' | 'win32', Array<[prefix: string, executables: string[]]>> = {
  linux: [
    ['chromium-', ['chrome-linux64/chrome', 'chrome-linux-arm64/chrome', 'chrome-linux/chrome']],
    ['chromium_headless_shell-', ['chrome-headless-shell-linux64/chrome-headless-shell', 'chrome-headless-shell-linux-arm64/chrome-headless-shell', 'chrome-linux/headless_shell']],
  ],
  darwin: [
    [
      'chromium-',
      [
        'chrome-mac-arm64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
        'chrome-mac-x64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
        'chrome-mac/Chromium.app/Contents/MacOS/Chromium',
      ],
    ],
    ['chromium_headless_shell-', ['chrome-headless-shell-mac-arm64/chrome-headless-shell', 'chrome-headless-shell-mac-x64/chrome-headless-shell', 'chrome-mac/headless_shell']],
  ],
  win32: [
    ['chromium-', ['chrome-win64/chrome.exe', 'chrome-win/chrome.exe']],
    ['chromium_headless_shell-', ['chrome-headless-shell-win64/chrome-headless-shell.exe', 'chrome-win/headless_shell.exe']],
  ],
};

/** The executables of Playwright's cached Chromium builds, newest revision first within each kind. */
export function playwrightExecutables(host: BrowserHost): string[] {
  const { join } = pathsOf(host);
  const cache = playwrightCache(host);
  const kind = host.platform === 'darwin' || host.platform === 'win32' ? host.platform : 'linux';
  const revision = (dir: string) => Number(dir.slice(dir.lastIndexOf('-') + 1));
  return BUILDS[kind].flatMap(([prefix, executables]) =>
    host
      .list(cache)
      .filter((dir) => dir.startsWith(prefix) && Number.isInteger(revision(dir)))
      .sort((a, b) => revision(b) - revision(a))
      .flatMap((dir) => executables.map((exe) => join(cache, dir, ...exe.split('/')))),
  );
}

/**
 * The Chromium or Chrome to drive: CHROME_PATH when set (and only it: a wrong CHROME_PATH is
 * not papered over by another browser), else the first usual install location that holds one,
 * else the newest build in Playwright's cache; undefined when there is none.
 */
export function findBrowser(host: BrowserHost = localHost()): FoundBrowser | undefined {
  const chosen = host.env.CHROME_PATH;
  if (chosen) return host.exists(chosen) ? { path: chosen, source: 'CHROME_PATH' } : undefined;
  const installed = installLocations(host).find((path) => host.exists(path));
  if (installed) return { path: installed, source: 'installed' };
  const cached = playwrightExecutables(host).find((path) => host.exists(path));
  return cached ? { path: cached, source: 'playwright' } : undefined;
}

/** Why nothing was found and exactly what to install, as one line (for the test's failure and the pre-test script). */
export function missingBrowserMessage(host: BrowserHost = localHost()): string {
  const chosen = host.env.CHROME_PATH;
  if (chosen) return `CHROME_PATH is ${chosen}, which is not a file: set it to a Chrome or Chromium executable, or unset it to search the usual places`;
  const playwright = `'pnpm exec playwright-core install chromium' (into ${playwrightCache(host)})`;
  const install =
    host.platform === 'linux'
      ? `install one: 'apt-get install chromium' as root on Debian or Ubuntu ('pnpm test' does it when run as root), or ${playwright}`
      : host.platform === 'darwin'
        ? `install one: Google Chrome (https://www.google.com/chrome/), 'brew install --cask chromium', or ${playwright}`
        : `install one: Google Chrome (https://www.google.com/chrome/), or ${playwright}`;
  return `the dashboard browser test needs Chromium or Chrome and found none (looked at CHROME_PATH, ${installLocations(host).join(', ')} and ${playwrightCache(host)}): ${install}; or set CHROME_PATH to a Chrome or Chromium executable`;
}
