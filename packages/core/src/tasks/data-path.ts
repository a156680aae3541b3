import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpecError } from '../errors';
import { dataPathProblem, pinnedUrl, urlScheme } from './data-url';

/**
 * A spec's name for a data file stored with its job on a coordinator (`sha256:<hex>`, from
 * `metatrain submit`, which uploads the local files a spec names): the same bytes wherever the
 * job runs, fetched by each process before it builds the task family.
 */
export const STORED_DATA = /^sha256:[0-9a-f]{64}$/;

/** Where a spec's data paths lead: the spec file's directory, and the files fetched beforehand. */
export interface DataLocation {
  /** Relative paths resolve against it (the spec file's directory). @default process.cwd() */
  baseDir?: string;
  /**
   * Data fetched beforehand, as local files: stored references (`sha256:<hex>` → path),
   * catalog datasets (`dataset:<name>` → path, datasetKey) and pinned URLs (the spec's
   * `https://…#sha256=<hex>`, exactly as written → path).
   */
  files?: ReadonlyMap<string, string>;
}

/**
 * The local file a spec's data path names: the fetched copy of a stored reference or of a
 * pinned URL, a relative path resolved against `baseDir`, or a `file://` URL. Other URLs (an
 * unpinned https://, s3://) are refused with a SpecError saying what to write instead: task
 * families read local files only, so whoever runs the job fetches remote data first.
 */
export function resolveDataPath(path: string, location: DataLocation, field: string): string {
  if (STORED_DATA.test(path)) return fetched(path, location, field, 'is data stored with a job on a coordinator');
  if (pinnedUrl(path)) return fetched(path, location, field, 'is downloaded by each process that runs the job');
  const scheme = urlScheme(path);
  if (scheme === 'file') {
    try {
      return fileURLToPath(path);
    } catch (err) {
      throw new SpecError(
        field,
        `${path} is not a valid file URL: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  if (scheme !== undefined) throw new SpecError(field, dataPathProblem(path) ?? `${path}: task data must be a local file`);
  return resolve(location.baseDir ?? process.cwd(), path);
}

/** The local copy of data fetched beforehand; a SpecError naming the field when there is none. */
function fetched(path: string, location: DataLocation, field: string, what: string): string {
  const local = location.files?.get(path);
  if (local === undefined) throw new SpecError(field, `${path} ${what}, and this process has not fetched it`);
  return local;
}
