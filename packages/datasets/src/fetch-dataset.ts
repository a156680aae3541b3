import { join } from 'node:path';
import { dataReferences, type DatasetEntry, type DatasetFile, datasetKey, datasetNames, datasetsOf, findDataset, pinnedUrl, type TasksSpec } from '@metatrain/core';
import { checkFile, fileExists } from './checks/check-file';
import { type CompiledDatasetOptions, compileDatasetOptions, DATASET_ENV, type DatasetOptions } from './dataset-options';
import { DownloadFailure } from './download/download-file';
import { sharedDownload } from './download/shared-download';
import { DatasetError } from './errors';
import { fetchPinnedUrl } from './fetch-url';
import { cachePath, candidates, downloadUrl, type Place } from './locations';

/**
 * The data a spec names that each process fetches itself — its catalog datasets and pinned
 * URLs — resolved where the process runs: a {@link resolveDatasets} bound to the process's
 * options. What the coordinator and the worker are given.
 */
export type DatasetResolver = (tasks: TasksSpec, signal?: AbortSignal) => Promise<ReadonlyMap<string, string>>;

/** A {@link DatasetResolver} on `options` (the signal of each call replaces theirs). */
export function datasetResolver(options: DatasetOptions): DatasetResolver {
  return (tasks, signal) => resolveDatasets(tasks, { ...options, signal: signal ?? options.signal });
}

/** Where one file of a dataset was found (or downloaded to), checked. */
export interface ResolvedFile {
  dataset: string;
  file: string;
  path: string;
  place: Place;
  /** Downloaded into the cache by this call. */
  downloaded: boolean;
  /** How it passed its check (`sha256`, `zip: 2722 entries, CRC-32s`). */
  check: string;
}

/** How a file was had, in one line: `omniglot-small1: images_background_small1.zip: shipped copy, sha256 checked`. */
export function describeFetched(file: ResolvedFile): string {
  const how = file.downloaded ? 'downloaded into the cache' : file.place === 'shipped' ? 'shipped copy' : `in the ${file.place}`;
  return `${file.dataset}: ${file.file}: ${how}, ${file.check} checked`;
}

/** The catalog entry, or a DatasetError listing the known names. */
export function catalogEntry(name: string): DatasetEntry {
  const entry = findDataset(name);
  if (!entry) throw new DatasetError(`dataset ${name}`, `not in the catalog; known: ${datasetNames().join(', ')}`);
  return entry;
}

/**
 * Makes every file of dataset `name` available on this machine and says where: the first
 * copy that passes its check among the data dir, the shipped copy and the user cache (a copy
 * that fails is skipped, with a log line), else a download into the cache.
 * @throws {DatasetError} one line: the dataset, what went wrong, what to do.
 */
export async function fetchDataset(name: string, options: DatasetOptions = {}): Promise<ResolvedFile[]> {
  const compiled = compileDatasetOptions(options);
  const entry = catalogEntry(name);
  const resolved: ResolvedFile[] = [];
  for (const file of entry.files) resolved.push(await fetchFile(entry, file, compiled));
  return resolved;
}

/**
 * The local paths of the data `tasks` names that each process fetches itself, as
 * `createTaskFamily(tasks, { files })` takes them: its catalog datasets, keyed
 * `dataset:<name>` and fetched as {@link fetchDataset} does, and its pinned URLs
 * (`https://…#sha256=<hex>`), keyed by the spec's string and fetched by
 * {@link fetchPinnedUrl}. A spec that names neither gives an empty map without touching the
 * disk.
 * @throws {DatasetError}
 */
export async function resolveDatasets(tasks: TasksSpec, options: DatasetOptions = {}): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of datasetsOf(tasks)) {
    const [first] = await fetchDataset(name, options);
    if (first) files.set(datasetKey(name), first.path);
  }
  for (const { field, path } of dataReferences(tasks)) {
    const pin = pinnedUrl(path);
    if (pin === undefined || files.has(path)) continue;
    files.set(path, await fetchPinnedUrl(pin, field, compileDatasetOptions(options)));
  }
  return files;
}

async function fetchFile(entry: DatasetEntry, file: DatasetFile, options: CompiledDatasetOptions): Promise<ResolvedFile> {
  for (const { place, path } of candidates(entry, file, options)) {
    if (!(await fileExists(path))) continue;
    const check = await checkFile(path, file);
    if (check.ok) return { dataset: entry.name, file: file.name, path, place, downloaded: false, check: check.how };
    options.log(`dataset ${entry.name}: the copy at ${path} (${place}) fails its check (${check.problem}); not used`);
  }
  const dest = cachePath(entry, file, options);
  const url = downloadUrl(entry, file, options);
  try {
    const how = await sharedDownload({ dataset: entry.name, file, url, dest }, options, `dataset ${entry.name}`);
    return { dataset: entry.name, file: file.name, path: dest, place: 'cache', downloaded: true, check: how };
  } catch (err) {
    if (err instanceof DownloadFailure) throw new DatasetError(`dataset ${entry.name}`, `${err.message}; ${advice(err.kind, entry, file, url, options)}`);
    throw err;
  }
}

/** What the user can do about a failed download, for the end of its one-line error. */
function advice(kind: DownloadFailure['kind'], entry: DatasetEntry, file: DatasetFile, url: string, options: CompiledDatasetOptions): string {
  const own = options.dataDir !== undefined ? join(options.dataDir, entry.name, file.name) : cachePath(entry, file, options);
  const orDataDir = options.dataDir === undefined ? `, or set ${DATASET_ENV.dataDir}` : '';
  switch (kind) {
    case 'unreachable':
      return `download ${url} yourself and put it at ${own}${orDataDir}`;
    case 'transfer':
      return `try again, or download ${url} yourself and put it at ${own}${orDataDir}`;
    case 'refused':
      return 'try again (a proxy may have altered it); if the file changed upstream, its catalog entry (packages/core/src/datasets/catalog.ts) needs updating';
    case 'filesystem':
      return `set ${DATASET_ENV.cacheDir} to a writable directory, or put the file at ${own}${orDataDir}`;
  }
}
