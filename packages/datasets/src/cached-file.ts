import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { DecodeError, sha256Hex } from '@metatrain/core';

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
  const partial = `${path}.${process.pid}.${threadId}.${randomBytes(4).toString('hex')}.partial`;
  try {
    await writeFile(partial, bytes);
    await rename(partial, path);
  } finally {
    await rm(partial, { force: true });
  }
  return path;
}
