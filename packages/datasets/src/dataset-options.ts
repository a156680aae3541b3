import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@metatrain/core';

/** The environment variables the dataset options are read from (`datasetOptionsFromEnv`). */
export const DATASET_ENV = {
  dataDir: 'METATRAIN_DATA_DIR',
  cacheDir: 'METATRAIN_CACHE_DIR',
  mirror: 'METATRAIN_DATASET_MIRROR',
} as const;

/** How far a download has come, for a progress bar. */
export interface DownloadProgress {
  /** The catalog dataset, or the spec field that names a pinned URL (`tasks.path`). */
  dataset: string;
  /** The file's name. */
  file: string;
  /** Bytes received so far. */
  bytes: number;
  /** The file's size when known (the catalog's, else the server's Content-Length). */
  total: number | undefined;
}

/** Where datasets are looked for and how they are downloaded; every option has a default. */
export interface DatasetOptions {
  /** Looked in first, as `<dataDir>/<name>/<file>` (METATRAIN_DATA_DIR). @default none */
  dataDir?: string;
  /**
   * metatrain's user cache; downloads go to `<cacheDir>/datasets/<name>/<file>`, those of
   * pinned URLs to `<cacheDir>/urls/<sha256>`.
   * @default METATRAIN_CACHE_DIR, else `$XDG_CACHE_HOME/metatrain`, else `~/.cache/metatrain`
   */
  cacheDir?: string;
  /** The repository's `datasets/` directory; `null` for none. @default the one beside this package, when present */
  shippedDir?: string | null;
  /**
   * Download from `<mirror>/<name>/<file>` instead of the catalog's official URLs (an
   * http(s) URL; a METATRAIN_DATA_DIR served over HTTP is one). Checksums still apply.
   * @default none
   */
  mirror?: string;
  /** A download that receives no byte for this long is aborted. @default 30000 */
  stallTimeoutMs?: number;
  /** A download not finished after this long is aborted. @default 1800000 (30 min) */
  deadlineMs?: number;
  /** Told as a download progresses. @default nothing */
  onProgress?: (progress: DownloadProgress) => void;
  /** A line per download started and per unusable copy skipped. @default nothing */
  log?: (line: string) => void;
  /** Aborts a download in progress. */
  signal?: AbortSignal;
}

/** {@link DatasetOptions} with the defaults filled in and the directories absolute. */
export interface CompiledDatasetOptions {
  dataDir: string | undefined;
  cacheDir: string;
  shippedDir: string | undefined;
  mirror: string | undefined;
  stallTimeoutMs: number;
  deadlineMs: number;
  onProgress: (progress: DownloadProgress) => void;
  log: (line: string) => void;
  signal: AbortSignal | undefined;
}

/** datasets/ of the repository, three levels up from this file (packages/datasets/src). */
const SHIPPED_DIR = fileURLToPath(new URL('../../../datasets', import.meta.url));

/**
 * metatrain's user cache as the XDG base directory spec has it: `$XDG_CACHE_HOME/metatrain`
 * when that is an absolute path (the spec says to ignore a relative one), else
 * `~/.cache/metatrain`. METATRAIN_CACHE_DIR, when set, replaces both.
 */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env[DATASET_ENV.cacheDir]) return resolve(env[DATASET_ENV.cacheDir] as string);
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.cache'), 'metatrain');
}

/** The options the environment gives (METATRAIN_DATA_DIR, METATRAIN_CACHE_DIR, METATRAIN_DATASET_MIRROR); empty means unset. */
export function datasetOptionsFromEnv(env: NodeJS.ProcessEnv): Pick<DatasetOptions, 'dataDir' | 'cacheDir' | 'mirror'> {
  const value = (name: string) => env[name] || undefined;
  return { dataDir: value(DATASET_ENV.dataDir), cacheDir: userCacheDir(env), mirror: value(DATASET_ENV.mirror) };
}

/** Fills in the defaults. @throws {ConfigError} for a mirror that is not an http(s) URL, naming METATRAIN_DATASET_MIRROR. */
export function compileDatasetOptions(options: DatasetOptions = {}): CompiledDatasetOptions {
  return {
    dataDir: options.dataDir === undefined ? undefined : resolve(options.dataDir),
    cacheDir: resolve(options.cacheDir ?? userCacheDir()),
    shippedDir: options.shippedDir === null ? undefined : resolve(options.shippedDir ?? SHIPPED_DIR),
    mirror: options.mirror === undefined ? undefined : checkMirror(options.mirror),
    stallTimeoutMs: options.stallTimeoutMs ?? 30_000,
    deadlineMs: options.deadlineMs ?? 30 * 60_000,
    onProgress: options.onProgress ?? (() => undefined),
    log: options.log ?? (() => undefined),
    signal: options.signal,
  };
}

function checkMirror(mirror: string): string {
  let url: URL | undefined;
  try {
    url = new URL(mirror);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigError(DATASET_ENV.mirror, `expected an http:// or https:// URL, got ${JSON.stringify(mirror)}`);
  }
  return mirror.replace(/\/+$/, '');
}
