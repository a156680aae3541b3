import { afterAll, describe, expect, it } from 'vitest';
import { ensureBrowser, type Installer } from './ensure-browser';
import { FakeMachines } from './fake-browser-host';

// The pre-test script's decisions on fake machines: it installs only on Linux, as root, with
// apt-get, and only when no browser is there; every other case is one line, and nothing throws.

const machines = new FakeMachines();
afterAll(() => machines.remove());

/** An installer that records its calls; `install` puts /usr/bin/chromium on `host` when it works. */
function installer(uid: number | undefined, aptGet: boolean, onInstall: () => string | undefined = () => undefined) {
  const calls: string[] = [];
  const fake: Installer = {
    uid,
    hasAptGet: () => aptGet,
    aptInstall: () => {
      calls.push('apt-get install chromium');
      return onInstall();
    },
  };
  return { fake, calls };
}

describe('ensureBrowser', () => {
  it('uses the browser that is there and installs nothing', () => {
    const { fake, calls } = installer(0, true);
    const host = machines.host('linux', ['/home/dev/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome']);
    expect(ensureBrowser(host, fake)).toBe("the browser test will use /home/dev/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome (Playwright's cache)");
    expect(calls).toEqual([]);
  });

  it('installs Debian\'s chromium as root with apt-get, and finds it after', () => {
    const host = machines.host('linux', []);
    const { fake, calls } = installer(0, true, () => void host.add('/usr/bin/chromium'));
    expect(ensureBrowser(host, fake)).toBe("installed Debian's chromium with apt-get: the browser test will use /usr/bin/chromium");
    expect(calls).toEqual(['apt-get install chromium']);
  });

  it('says why it does not install: not root, no apt-get, not Linux, a CHROME_PATH that names nothing', () => {
    const cases = [
      { host: machines.host('linux', []), who: installer(1000, true), reason: /not installing one \(not running as root\).*'apt-get install chromium'/ },
      { host: machines.host('linux', []), who: installer(0, false), reason: /not installing one \(there is no apt-get\)/ },
      { host: machines.host('darwin', []), who: installer(0, true), reason: /not installing one \(this is darwin, not Linux\).*brew install --cask chromium/ },
      { host: machines.host('linux', [], { CHROME_PATH: '/opt/none' }), who: installer(0, true), reason: /^not installing anything: CHROME_PATH is \/opt\/none, which is not a file/ },
    ];
    for (const { host, who, reason } of cases) {
      const line = ensureBrowser(host, who.fake);
      expect(line).toMatch(reason);
      expect(line).not.toContain('\n');
      expect(who.calls).toEqual([]);
    }
  });

  it('reports a failed or useless install in one line instead of failing', () => {
    const failing = installer(0, true, () => "'apt-get update' failed: network unreachable");
    expect(ensureBrowser(machines.host('linux', []), failing.fake)).toBe(
      "installing Debian's chromium failed ('apt-get update' failed: network unreachable); the dashboard browser test will fail, the others run",
    );
    const elsewhere = installer(0, true);
    expect(ensureBrowser(machines.host('linux', []), elsewhere.fake)).toMatch(/^apt-get installed chromium, but not where the browser test looks/);
  });
});
