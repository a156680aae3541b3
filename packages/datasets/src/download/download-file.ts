import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DatasetFile } from '@metatrain/core';
import { checkFile } from '../checks/check-file';
import type { CompiledDatasetOptions } from '../dataset-options';
import { failureCause, formatBytes, formatSeconds } from './fetch-failure';

/** One file to download and where it goes. */
export interface Download {
  dataset: string;
  file: DatasetFile;
  url: string;
  /** The final path (in the cache); the file appears there whole and checked, or not at all. */
  dest: string;
}

/** Why a download failed: `unreachable` (nothing answered) or anything after an answer. */
export class DownloadFailure extends Error {
  override readonly name = 'DownloadFailure';
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'transfer' | 'refused' | 'filesystem',
  ) {
    super(message);
  }
}

/**
 * Downloads `url` to `dest`: streamed into a temporary file of its own beside `dest` (a name
 * per process and call, so concurrent downloads never write the same file), checked (size,
 * then sha256 or zip soundness), then renamed into place — atomic on one file system, so a
 * reader sees the old file or the whole new one. Any failure deletes the temporary file.
 *
 * Aborted when no byte arrives for `stallTimeoutMs` (waiting for the answer included), after
 * `deadlineMs` in all, or when `signal` aborts.
 * @returns how the download passed its check (`sha256`, `zip: … entries, CRC-32s`)
 * @throws {DownloadFailure} saying what happened, without the advice (the caller adds it)
 */
export async function downloadFile(job: Download, options: CompiledDatasetOptions): Promise<string> {
  try {
    await mkdir(dirname(job.dest), { recursive: true });
  } catch (err) {
    throw new DownloadFailure(`cannot create ${dirname(job.dest)} (${(err as NodeJS.ErrnoException).code ?? failureCause(err)})`, 'filesystem');
  }
  await sweepDead(job.dest, options.deadlineMs);
  const temp = `${job.dest}.${process.pid}-${randomBytes(4).toString('hex')}.part`;
  try {
    const sha256 = await transfer(job, temp, options);
    const check = await checkFile(temp, job.file, sha256);
    if (!check.ok) throw new DownloadFailure(`the download is refused: ${check.problem}; it was deleted`, 'refused');
    await rename(temp, job.dest);
    return check.how;
  } catch (err) {
    await rm(temp, { force: true });
    if (err instanceof DownloadFailure) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new DownloadFailure(`cannot write ${basename(temp)} in ${dirname(job.dest)} (${code ?? failureCause(err)})`, 'filesystem');
  }
}

/**
 * Removes the temporary files of downloads of `dest` that died without cleaning up (a killed
 * process): those untouched for longer than a download may last. A live download writes its
 * file at least once per stall timeout, which is shorter.
 */
async function sweepDead(dest: string, olderThanMs: number): Promise<void> {
  const dir = dirname(dest);
  const prefix = `${basename(dest)}.`;
  for (const name of await readdir(dir).catch(() => [])) {
    if (!name.startsWith(prefix) || !name.endsWith('.part')) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > olderThanMs) await rm(join(dir, name), { force: true });
  }
}

/** Streams the answer into `temp`; returns its sha256. */
async function transfer(job: Download, temp: string, options: CompiledDatasetOptions): Promise<string> {
  const out = await open(temp, 'wx');
  const abort = new AbortController();
  let why: string | undefined;
  const stop = (reason: string) => {
    why ??= reason;
    abort.abort();
  };
  let received = 0;
  let total = job.file.bytes;
  const progress = () => (total === undefined ? `${formatBytes(received)}` : `${formatBytes(received)} of ${formatBytes(total)}`);
  let stall: NodeJS.Timeout | undefined;
  const alive = () => {
    clearTimeout(stall);
    stall = setTimeout(() => stop(`no data for ${formatSeconds(options.stallTimeoutMs)} (after ${progress()})`), options.stallTimeoutMs);
  };
  const deadline = setTimeout(() => stop(`not done after ${formatSeconds(options.deadlineMs)} (${progress()})`), options.deadlineMs);
  const onAbort = () => stop('cancelled');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop('cancelled');
  try {
    alive();
    let response: Response;
    try {
      // The bytes as stored: the size and checksum are of the file, not of a compressed transfer.
      response = await fetch(job.url, { signal: abort.signal, redirect: 'follow', headers: { 'accept-encoding': 'identity' } });
    } catch (err) {
      if (why) throw new DownloadFailure(why, 'transfer');
      throw new DownloadFailure(`could not reach ${new URL(job.url).host} (${failureCause(err)})`, 'unreachable');
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new DownloadFailure(`${job.url} answered ${response.status} ${response.statusText}`.trimEnd(), 'transfer');
    }
    // A Content-Length counts the bytes on the wire: the file's size only without a content encoding.
    const encoded = (response.headers.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity';
    const announced = encoded ? NaN : Number(response.headers.get('content-length') ?? NaN);
    const length = Number.isSafeInteger(announced) && announced >= 0 ? announced : undefined;
    if (length !== undefined && job.file.bytes !== undefined && length !== job.file.bytes) {
      await response.body.cancel().catch(() => undefined);
      throw new DownloadFailure(`${job.url} announces ${length} bytes, expected ${job.file.bytes}`, 'refused');
    }
    total ??= length;
    const hash = createHash('sha256');
    const reader = response.body.getReader();
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        throw new DownloadFailure(why ?? `the transfer broke off after ${progress()} (${failureCause(err)})`, 'transfer');
      }
      if (chunk.done) break;
      alive();
      await out.write(chunk.value);
      hash.update(chunk.value);
      received += chunk.value.byteLength;
      options.onProgress({ dataset: job.dataset, file: job.file.name, bytes: received, total });
    }
    // A server may close early without an error reaching the reader: the count tells.
    if (length !== undefined && received !== length) throw new DownloadFailure(`the transfer ended after ${received} of ${length} bytes`, 'transfer');
    await out.sync(); // on disk before the rename makes it visible
    return hash.digest('hex');
  } finally {
    clearTimeout(stall);
    clearTimeout(deadline);
    options.signal?.removeEventListener('abort', onAbort);
    await out.close();
  }
}
