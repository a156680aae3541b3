import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync, type Zippable } from 'fflate';

// One fixed time for every entry, so that the same files always give the same zip bytes (and
// sha256): an upload of an unchanged folder is stored once. DOS times start in 1980.
const FIXED_TIME = new Date(1980, 0, 1, 12);

/**
 * The files below `dir` as a zip, entries `/`-separated and relative to `dir`, in sorted
 * order, uncompressed (images are compressed already). Dot files and folders (.DS_Store, .git)
 * are left out, as the image-folder family ignores them.
 */
export async function zipDirectory(dir: string): Promise<{ bytes: Uint8Array; files: number }> {
  const entries: Zippable = {};
  let files = 0;
  for (const path of await listFiles(dir, '')) {
    entries[path] = [new Uint8Array(await readFile(join(dir, path))), { level: 0, mtime: FIXED_TIME }];
    files++;
  }
  return { bytes: zipSync(entries), files };
}

async function listFiles(root: string, prefix: string): Promise<string[]> {
  const found: string[] = [];
  const entries = (await readdir(join(root, prefix), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) found.push(...(await listFiles(root, path)));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}
