import { afterAll, describe, expect, it } from 'vitest';
import { FakeMachines } from './fake-browser-host';
import { findBrowser, missingBrowserMessage } from './find-browser';

const machines = new FakeMachines();
afterAll(() => machines.remove());
const fakeHost = machines.host.bind(machines);

describe('findBrowser', () => {
  it('takes CHROME_PATH when it names a file, and only it when set', () => {
    const host = fakeHost('linux', ['/opt/chrome/chrome', '/usr/bin/chromium'], { CHROME_PATH: '/opt/chrome/chrome' });
    expect(findBrowser(host)).toEqual({ path: '/opt/chrome/chrome', source: 'CHROME_PATH' });
    const wrong = fakeHost('linux', ['/usr/bin/chromium'], { CHROME_PATH: '/opt/nothing/chrome' });
    expect(findBrowser(wrong)).toBeUndefined();
    expect(missingBrowserMessage(wrong)).toMatch(/^CHROME_PATH is \/opt\/nothing\/chrome, which is not a file/);
  });

  it('finds the usual Linux install locations, Debian\'s chromium first', () => {
    expect(findBrowser(fakeHost('linux', ['/usr/bin/google-chrome-stable', '/usr/bin/chromium']))?.path).toBe('/usr/bin/chromium');
    expect(findBrowser(fakeHost('linux', ['/usr/bin/chromium-browser']))?.path).toBe('/usr/bin/chromium-browser');
    expect(findBrowser(fakeHost('linux', ['/usr/bin/google-chrome-stable']))?.path).toBe('/usr/bin/google-chrome-stable');
    expect(findBrowser(fakeHost('linux', ['/snap/bin/chromium']))).toEqual({ path: '/snap/bin/chromium', source: 'installed' });
  });

  it('finds the newest Chromium in Playwright\'s cache, wherever the environment puts it', () => {
    const builds = ['chromium-1200/chrome-linux64/chrome', 'chromium-1255/chrome-linux64/chrome', 'chromium-999/chrome-linux/chrome', 'ffmpeg-1013/ffmpeg-linux'];
    const host = fakeHost('linux', builds.map((b) => `/home/dev/.cache/ms-playwright/${b}`));
    expect(findBrowser(host)).toEqual({ path: '/home/dev/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome', source: 'playwright' });
    // An installed browser comes before the cache.
    expect(findBrowser(fakeHost('linux', ['/usr/bin/chromium', `/home/dev/.cache/ms-playwright/${builds[1]}`]))?.source).toBe('installed');
    // The older layout, XDG_CACHE_HOME and PLAYWRIGHT_BROWSERS_PATH.
    expect(findBrowser(fakeHost('linux', ['/xdg/ms-playwright/chromium-1000/chrome-linux/chrome'], { XDG_CACHE_HOME: '/xdg' }))?.path).toBe('/xdg/ms-playwright/chromium-1000/chrome-linux/chrome');
    expect(findBrowser(fakeHost('linux', ['/pw/chromium-1255/chrome-linux64/chrome'], { PLAYWRIGHT_BROWSERS_PATH: '/pw' }))?.path).toBe('/pw/chromium-1255/chrome-linux64/chrome');
    // The headless shell alone is enough for a headless test.
    const shell = '/home/dev/.cache/ms-playwright/chromium_headless_shell-1255/chrome-headless-shell-linux64/chrome-headless-shell';
    expect(findBrowser(fakeHost('linux', [shell]))?.path).toBe(shell);
  });

  it('finds Chrome and Chromium on macOS, in /Applications, ~/Applications and Playwright\'s cache', () => {
    const chrome = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome';
    expect(findBrowser(fakeHost('darwin', [chrome]))?.path).toBe(chrome);
    const mine = '/Users/dev/Applications/Chromium.app/Contents/MacOS/Chromium';
    expect(findBrowser(fakeHost('darwin', [mine]))?.path).toBe(mine);
    const cached = '/Users/dev/Library/Caches/ms-playwright/chromium-1255/chrome-mac-arm64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing';
    expect(findBrowser(fakeHost('darwin', [cached]))).toEqual({ path: cached, source: 'playwright' });
    expect(findBrowser(fakeHost('darwin', ['/usr/bin/chromium']))).toBeUndefined(); // Linux paths are not looked at
  });

  it('finds Chrome on Windows in the program folders and Playwright\'s cache under LOCALAPPDATA', () => {
    const chrome = 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe';
    expect(findBrowser(fakeHost('win32', [chrome]))?.path).toBe(chrome);
    const x86 = 'D:\\Apps86\\Google\\Chrome\\Application\\chrome.exe';
    expect(findBrowser(fakeHost('win32', [x86], { 'PROGRAMFILES(X86)': 'D:\\Apps86' }))?.path).toBe(x86);
    const cached = 'C:\\Users\\dev\\AppData\\Local\\ms-playwright\\chromium-1255\\chrome-win64\\chrome.exe';
    expect(findBrowser(fakeHost('win32', [cached]))).toEqual({ path: cached, source: 'playwright' });
  });

  it('finds nothing on a bare machine, and says exactly what to install there', () => {
    const linux = fakeHost('linux', ['/usr/bin/firefox', '/home/dev/.cache/ms-playwright/firefox-1572/firefox/firefox']);
    expect(findBrowser(linux)).toBeUndefined();
    const message = missingBrowserMessage(linux);
    expect(message).toContain("'apt-get install chromium'");
    expect(message).toContain("'pnpm exec playwright-core install chromium' (into /home/dev/.cache/ms-playwright)");
    expect(message).toContain('set CHROME_PATH');
    expect(message).toContain('/usr/bin/chromium, /usr/bin/chromium-browser');
    expect(message).not.toContain('\n');

    const mac = fakeHost('darwin', []);
    expect(findBrowser(mac)).toBeUndefined();
    expect(missingBrowserMessage(mac)).toContain("'brew install --cask chromium'");
    expect(missingBrowserMessage(mac)).not.toContain('apt-get');
    expect(missingBrowserMessage(fakeHost('win32', []))).toContain('Google Chrome (https://www.google.com/chrome/)');
  });
});
