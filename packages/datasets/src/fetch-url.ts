import { join } from 'node:path';
import type { DatasetFile, PinnedUrl } from '@metatrain/core';
import { checkFile, fileExists } from './checks/check-file';
import { type CompiledDatasetOptions, DATASET_ENV } from './dataset-options';
import { DownloadFailure } from './download/download-file';
import { sharedDownload } from './download/shared-download';
import { DatasetError } from './errors';

/** Where the copy of a pinned URL's file is kept: `<cacheDir>/urls/<sha256>`, named by its content. */
export function urlCachePath(pin: PinnedUrl, options: CompiledDatasetOptions): string {
  return join(options.cacheDir, 'urls', pin.sha256);
}

/**
 * The local copy of the file a pinned URL names (`https://host/file.zip#sha256=<hex>`): the
 * cached one when it is there and hashes to the pin (no network), else a download into the
 * cache as a catalog dataset's (downloadFile: a temporary file of its own, the sha256 checked,
 * renamed into place whole; a stall timeout and a deadline; progress).
 * @param field the spec field that names it (`tasks.path`), for messages and progress
 * @throws {DatasetError} one line: the field, what went wrong, what to do
 */
export async function fetchPinnedUrl(pin: PinnedUrl, field: string, options: CompiledDatasetOptions): Promise<string> {
  const dest = urlCachePath(pin, options);
  const file: DatasetFile = { name: pin.name, url: pin.url, sha256: pin.sha256, integrity: 'sha256' };
  if (await fileExists(dest)) {
    const check = await checkFile(dest, file);
    if (check.ok) return dest;
    options.log(`${field}: the copy at ${dest} fails its check (${check.problem}); downloading it again`);
  }
  try {
    await sharedDownload({ dataset: field, file, url: pin.url, dest }, options, field);
    return dest;
  } catch (err) {
    if (err instanceof DownloadFailure) throw new DatasetError(field, `${err.message}; ${advice(err.kind, pin.url, dest)}`);
    throw err;
  }
}

/** What the user can do about a failed download of a pinned URL, for the end of its one-line error. */
function advice(kind: DownloadFailure['kind'], url: string, dest: string): string {
  switch (kind) {
    case 'unreachable':
      return `check the network, or download ${url} yourself and put it at ${dest}`;
    case 'transfer':
      return `try again, or download ${url} yourself and put it at ${dest}`;
    case 'refused':
      return `${url} does not serve the bytes the spec pins: if the file changed on purpose, pin its new sha256; else try again (a proxy may have altered it)`;
    case 'filesystem':
      return `set ${DATASET_ENV.cacheDir} to a writable directory`;
  }
}
