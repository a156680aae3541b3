import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXPORT_FILES, type ExportFile } from '@metatrain/core';
import { openStorage, type StorageEnv } from '@metatrain/storage';

/** The three files of an export, read from where a source names it. */
export interface ExportFiles {
  /** the export's location, for messages and /v1/models */
  location: string;
  /** a default model name: the job the export's directory belongs to */
  defaultName: string;
  files: Record<ExportFile, Uint8Array>;
}

/** A source that names no export, or one that cannot be read. */
export class ExportSourceError extends Error {
  override readonly name = 'ExportSourceError';
}

/** `dir`, `dir/export` (a run directory), `s3://bucket/prefix` (an export or a job's root), `file:///…`. */
function asStorageUrl(source: string): string {
  return /^(s3|file):\/\//.test(source) ? source : pathToFileURL(resolve(source)).href;
}

/** The job name a path ends with: `runs/sine/export` → `sine`, `s3://b/jobs/sine-x1y2z3/` → `sine-x1y2z3`. */
function nameOf(source: string, inExport: boolean): string {
  const parts = source.replace(/\/+$/, '').split('/').filter((p) => p !== '');
  const last = parts.length > 0 ? (parts[parts.length - 1] as string) : source;
  const dirName = inExport && last === 'export' ? (parts[parts.length - 2] ?? last) : last;
  return basename(dirName);
}

/**
 * Reads an export from a directory (an export, or a run directory holding `export/`) or from
 * storage (`s3://bucket/prefix`, with S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY as for the
 * coordinator's STORAGE_URL; the prefix is an export or a job's root, e.g. a coordinator's
 * `jobs/{jobId}/`).
 * @throws ExportSourceError when no export is there; ConfigError for bad S3 settings
 */
export async function readExportFiles(source: string, env: StorageEnv): Promise<ExportFiles> {
  const url = asStorageUrl(source);
  const storage = await openStorage({ ...env, STORAGE_URL: url }, { defaultDirectory: resolve('.') });
  try {
    for (const dir of ['', 'export/']) {
      const meta = await storage.store.get(`${dir}meta.json`);
      if (!meta) continue;
      const files = { 'meta.json': meta } as Record<ExportFile, Uint8Array>;
      for (const file of EXPORT_FILES) {
        if (file === 'meta.json') continue;
        const bytes = await storage.store.get(`${dir}${file}`);
        if (!bytes) throw new ExportSourceError(`${source} is not a complete export: ${dir}${file} is missing`);
        files[file] = bytes;
      }
      return { location: storage.store.locate(dir || 'meta.json').replace(/meta\.json$/, ''), defaultName: nameOf(source, true), files };
    }
    throw new ExportSourceError(`${source} holds no export (no meta.json, nor export/meta.json); train the job to the end first`);
  } finally {
    await storage.close();
  }
}
