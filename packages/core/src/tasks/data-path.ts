import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpecError } from '../errors';

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
   * Data fetched beforehand, as local files: stored references (`sha256:<hex>` → path) and
   * catalog datasets (`dataset:<name>` → path, datasetKey).
   */
  files?: ReadonlyMap<string, string>;
}

/**
 * The local file a spec's data path names: a stored reference's fetched copy, a relative path
 * resolved against `baseDir`, or a `file://` URL. Other URLs (s3://, https://) are rejected
 * with a SpecError: task families read local files only, so whoever runs the job fetches
 * remote data first.
 */
export function resolveDataPath(path: string, location: DataLocation, field: string): string {
  if (STORED_DATA.test(path)) {
    const local = location.files?.get(path);
    if (local === undefined) throw new SpecError(field, `${path} is data stored with a job on a coordinator, and this process has not fetched it`);
    return local;
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(path)?.[1]?.toLowerCase();
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
  if (scheme !== undefined) {
    throw new SpecError(field, `${path} is a ${scheme}:// URL; task data must be a local file (download it first)`);
  }
  return resolve(location.baseDir ?? process.cwd(), path);
}
