import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { DatasetFile } from '@metatrain/core';
import { checkZip } from './zip-integrity';

/** What checking a copy found: how it passed, or why it failed. */
export type FileCheck = { ok: true; how: string } | { ok: false; problem: string };

/** A copy's identity on disk: a check is reused while the file is unchanged. */
interface Checked {
  size: number;
  mtimeMs: number;
  ino: number;
  result: FileCheck;
}

// A job resolves its datasets at several edges of one process (the coordinator at SubmitJob
// and at start); hashing the same unchanged file again would be wasted.
const checked = new Map<string, Checked>();

/** Whether a (regular) file is at `path`. */
export const fileExists = (path: string): Promise<boolean> => stat(path).then((s) => s.isFile(), () => false);

/** Lowercase hex sha256 of the file at `path`, read as a stream. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Checks the copy at `path` against the catalog's `file`: its size when the catalog knows
 * it, then its sha256, or for a file never seen here its soundness as a zip (`checkZip`).
 * @param sha256 the copy's sha256 when already computed (a download hashes as it writes)
 */
export async function checkFile(path: string, file: DatasetFile, sha256?: string): Promise<FileCheck> {
  const info = await stat(path);
  const memo = checked.get(path);
  if (memo && memo.size === info.size && memo.mtimeMs === info.mtimeMs && memo.ino === info.ino) return memo.result;
  const result = await runCheck(path, info.size, file, sha256);
  checked.set(path, { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, result });
  return result;
}

async function runCheck(path: string, size: number, file: DatasetFile, known?: string): Promise<FileCheck> {
  if (file.bytes !== undefined && size !== file.bytes) return { ok: false, problem: `${size} bytes, expected ${file.bytes}` };
  if (file.integrity === 'sha256') {
    if (file.sha256 === undefined) throw new Error(`catalog: ${file.name} is checked by sha256 but has none`);
    const actual = known ?? (await sha256File(path));
    return actual === file.sha256 ? { ok: true, how: 'sha256' } : { ok: false, problem: `sha256 ${actual}, expected ${file.sha256}` };
  }
  const zip = checkZip(await readFile(path));
  return zip.ok ? { ok: true, how: `zip: ${zip.entries} entries, CRC-32s` } : { ok: false, problem: `not a sound zip: ${zip.problem}` };
}
