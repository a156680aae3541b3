import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpecError } from '../errors';

/**
 * The local file a spec's data path names: relative paths are resolved against `baseDir`
 * (the spec file's directory), `file://` URLs are accepted. Other URLs (s3://, https://) are
 * rejected with a SpecError: metalearn does no I/O beyond local files, so whoever runs the
 * job must fetch remote data first and point the spec (or baseDir) at the copy.
 */
export function resolveDataPath(path: string, baseDir: string, field: string): string {
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
  return resolve(baseDir, path);
}
