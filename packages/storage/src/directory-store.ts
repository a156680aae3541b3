import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertValidKey, type BlobStore } from './blob-store';

/** Temporary files being written start with this; list() never shows them. */
const TMP_PREFIX = '.~tmp-';

/**
 * A BlobStore on a local directory: key `a/b/c` is the file `{root}/a/b/c`. Each put writes a
 * temporary file in the target directory, flushes it and renames it over the key, so a crash
 * leaves either the old value or the new one. Parent directories are created on put and
 * removed on delete once empty.
 */
export class DirectoryStore implements BlobStore {
  /** The absolute directory holding the keys. */
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.#path(key);
    const dir = dirname(path);
    const tmp = join(dir, `${TMP_PREFIX}${randomBytes(6).toString('hex')}-${basename(path)}`);
    // A concurrent delete() may remove the (empty) parent between mkdir and open: retry.
    for (let attempt = 1; ; attempt++) {
      await mkdir(dir, { recursive: true });
      try {
        await writeDurably(tmp, bytes);
        break;
      } catch (err) {
        if (errorCode(err) !== 'ENOENT' || attempt === 3) throw err;
      }
    }
    try {
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined); // the rename error is the one worth reporting
      throw err;
    }
    await syncDirectory(dir);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const buf = await readFile(this.#path(key));
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    if (prefix.includes('\\') || prefix.split('/').some((s) => s === '..' || s === '.')) {
      throw new Error(`invalid storage prefix ${JSON.stringify(prefix)}`);
    }
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash);
    const keys: string[] = [];
    await walk(join(this.root, base), base, keys);
    return keys.filter((k) => k.startsWith(prefix)).sort();
  }

  locate(key: string): string {
    return pathToFileURL(join(this.root, key)).href;
  }

  async delete(key: string): Promise<void> {
    const path = this.#path(key);
    try {
      await unlink(path);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    // Drop directories the delete left empty, up to (not including) the root.
    for (let dir = dirname(path); dir.length > this.root.length && dir.startsWith(this.root); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        break; // not empty (or already gone): the rest of the chain is still needed
      }
    }
  }

  #path(key: string): string {
    assertValidKey(key);
    if (key.split('/').some((s) => s.startsWith(TMP_PREFIX))) {
      throw new Error(`invalid storage key ${JSON.stringify(key)}: "${TMP_PREFIX}" names are reserved`);
    }
    return join(this.root, key);
  }
}

async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes the rename itself durable. Some platforms cannot fsync a directory; that is fine there. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Durability of the directory entry is best effort; the data itself was synced.
  } finally {
    await handle?.close();
  }
}

async function walk(dir: string, keyPrefix: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return;
    throw err;
  }
  for (const entry of entries) {
    if (entry.name.startsWith(TMP_PREFIX)) continue;
    const key = keyPrefix === '' ? entry.name : `${keyPrefix}/${entry.name}`;
    if (entry.isDirectory()) await walk(join(dir, entry.name), key, out);
    else if (entry.isFile()) out.push(key);
  }
}

function errorCode(err: unknown): unknown {
  return (err as { code?: unknown } | undefined)?.code;
}

function isMissing(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}
