import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { threadId } from 'node:worker_threads';
import { sha256Hex } from './codec/tensor-codec';
import { DecodeError } from './errors';

/** The variable that moves metatrain's cache (fetched datasets, data stored with jobs). */
export const CACHE_DIR_ENV = 'METATRAIN_CACHE_DIR';

/**
 * Where metatrain keeps files it fetched and can fetch again: `METATRAIN_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/metatrain`, else `~/.cache/metatrain`.
 */
export function userCacheDir(env: Readonly<Record<string, string | undefined>> = process.env, home = homedir()): string {
  const own = env[CACHE_DIR_ENV];
  if (own) return resolve(own);
  const xdg = env.XDG_CACHE_HOME;
  return xdg ? join(resolve(xdg), 'metatrain') : join(home, '.cache', 'metatrain');
}

/**
 * The local copy of a content-addressed file in `dir`, named by its sha256: used as it is when
 * it is there and intact, else fetched with `fetch` and written under a temporary name of this
 * process's own, then renamed, so a reader (another thread or process) never sees half a file.
 * @returns undefined when `fetch` finds no such file.
 */
export async function cachedFile(dir: string, sha256: string, fetch: () => Promise<Uint8Array | undefined>): Promise<string | undefined> {
  const path = join(dir, sha256);
  const held = await readFile(path).catch(() => undefined);
  if (held && sha256Hex(held) === sha256) return path;
  const bytes = await fetch();
  if (!bytes) return undefined;
  if (sha256Hex(bytes) !== sha256) throw new DecodeError(`${sha256}: the fetched bytes hash to ${sha256Hex(bytes)}`);
  await mkdir(dir, { recursive: true });
  const partial = `${path}.${process.pid}.${threadId}.partial`;
  try {
    await writeFile(partial, bytes);
    await rename(partial, path);
  } finally {
    await rm(partial, { force: true });
  }
  return path;
}
