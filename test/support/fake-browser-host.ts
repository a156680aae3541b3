import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BrowserHost } from './find-browser';

/**
 * Fake machines for the browser search's tests, laid out in one temp directory: a host's
 * paths (POSIX, or `C:\…` on win32) map to files under it, so each platform's search runs
 * here on real files. `remove()` deletes them all.
 */
export class FakeMachines {
  private readonly root = mkdtempSync(join(tmpdir(), 'find-browser-'));
  private count = 0;

  /** A host of `platform` whose file system holds exactly `files`, with home /home/dev, /Users/dev or C:\Users\dev. */
  host(platform: NodeJS.Platform, files: string[], env: Record<string, string> = {}): BrowserHost & { add(file: string): void } {
    const dir = join(this.root, String(this.count++));
    const local = (path: string) => join(dir, path.replace(/^([A-Z]):/, '$1').replace(/\\/g, '/'));
    const add = (file: string) => {
      mkdirSync(dirname(local(file)), { recursive: true });
      writeFileSync(local(file), '#!/bin/sh\n');
    };
    files.forEach(add);
    return {
      env,
      platform,
      home: platform === 'win32' ? 'C:\\Users\\dev' : platform === 'darwin' ? '/Users/dev' : '/home/dev',
      exists: (path) => existsSync(local(path)),
      list: (path) => (existsSync(local(path)) ? readdirSync(local(path)) : []),
      add,
    };
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
