import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The dashboard's scripts and styles, and uPlot (the charts) from this package's
// node_modules: everything a page loads comes from the coordinator, so it works offline.

const OWN = fileURLToPath(new URL('./assets/', import.meta.url));
const UPLOT = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

const FILES: Record<string, string> = {
  'app.css': join(OWN, 'app.css'),
  'common.js': join(OWN, 'common.js'),
  'jobs.js': join(OWN, 'jobs.js'),
  'job.js': join(OWN, 'job.js'),
  'workers.js': join(OWN, 'workers.js'),
  'uPlot.iife.min.js': join(UPLOT, 'uPlot.iife.min.js'),
  'uPlot.min.css': join(UPLOT, 'uPlot.min.css'),
};

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/**
 * Static files by name, read once on first use. They hold no data and no secret, so they are
 * served without a login (the login page needs the stylesheet).
 */
export class StaticAssets {
  private readonly cache = new Map<string, Promise<Buffer>>();

  /** Whether `name` is one of the files served. */
  has(name: string): boolean {
    return Object.hasOwn(FILES, name);
  }

  /** Sends file `name` (which must be one {@link has} knows). */
  async send(response: ServerResponse, name: string): Promise<void> {
    const path = FILES[name];
    if (path === undefined) throw new Error(`dashboard: no static file ${name}`);
    let body = this.cache.get(name);
    if (!body) {
      body = readFile(path);
      this.cache.set(name, body);
      body.catch(() => this.cache.delete(name));
    }
    const bytes = await body;
    response.writeHead(200, {
      'content-type': TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream',
      'content-length': bytes.byteLength,
      // Revalidated on every load: a new coordinator version brings new scripts.
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    response.end(bytes);
  }
}
