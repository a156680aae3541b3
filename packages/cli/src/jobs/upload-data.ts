import { readFile, stat } from 'node:fs/promises';
import { type DataReference, dataReferences, type JobSpec, pinnedUrl, resolveDataPath, STORED_DATA, withDataPaths } from '@metatrain/core';
import { CliFailure, EXIT_USAGE } from '../cli-errors';
import { zipDirectory } from './zip-directory';

/**
 * `spec` with every local data file it names stored with the coordinator (`upload`) and named
 * `sha256:<hex>` instead, so that the job finds its data wherever the coordinator and the
 * workers run. Paths resolve against `baseDir` (the spec file's directory), as for `train`;
 * a folder (an image-folder family's) is uploaded as a zip of its files, which the family reads
 * as it reads the folder. A pinned URL (`https://…#sha256=<hex>`) is not uploaded: the
 * coordinator and each worker download it themselves. A path that is not on this machine is
 * left as it is, for the coordinator and the workers to resolve against their
 * METATRAIN_DATA_DIR (data already on a cluster's volume); the coordinator refuses the job if
 * it is not there either. A spec without local data is returned as it is.
 */
export async function withUploadedData(spec: JobSpec, baseDir: string, upload: (bytes: Uint8Array) => Promise<string>, log: (line: string) => void): Promise<JobSpec> {
  const references = dataReferences(spec.tasks).filter(({ path }) => !STORED_DATA.test(path));
  for (const { field, path } of references.filter((r) => pinnedUrl(r.path) !== undefined)) {
    log(`${field}: ${path} is not uploaded: the coordinator and each worker download it, checked against its sha256`);
  }
  const local = references.filter(({ path }) => pinnedUrl(path) === undefined);
  if (local.length === 0) return spec;
  const stored = new Map<string, string>();
  for (const reference of local) {
    const uploaded = await uploadOne(reference, baseDir, upload, log).catch((err: unknown) => {
      // The coordinator's answer (a file above its limit, say) names the chunk: say which file.
      throw err instanceof CliFailure && !err.message.startsWith('invalid spec') ? new CliFailure(`${reference.field} (${reference.path}): ${err.message}`, err.exitCode) : err;
    });
    if (uploaded !== undefined) stored.set(reference.field, uploaded);
  }
  if (stored.size === 0) return spec;
  return { ...spec, tasks: withDataPaths(spec.tasks, ({ field, path }) => stored.get(field) ?? path) };
}

/** The reference of the uploaded file; undefined when it is not on this machine. */
async function uploadOne({ field, path }: DataReference, baseDir: string, upload: (bytes: Uint8Array) => Promise<string>, log: (line: string) => void): Promise<string | undefined> {
  let file: string;
  try {
    file = resolveDataPath(path, { baseDir }, field);
  } catch (err) {
    throw new CliFailure(`invalid spec: ${err instanceof Error ? err.message : String(err)}`, EXIT_USAGE);
  }
  const info = await stat(file).catch(() => undefined);
  if (info === undefined) {
    log(`${field}: ${path} is not on this machine; the coordinator will look for it in its data directory`);
    return undefined;
  }
  if (info.isDirectory()) {
    const zip = await zipDirectory(file);
    const reference = await upload(zip.bytes);
    log(`uploaded ${path} (a zip of its ${zip.files} files, ${zip.bytes.length.toLocaleString('en-US')} bytes) as ${reference}`);
    return reference;
  }
  if (!info.isFile()) throw new CliFailure(`invalid spec: ${field}: neither a file nor a folder: ${file}`, EXIT_USAGE);
  const reference = await upload(new Uint8Array(await readFile(file)));
  log(`uploaded ${path} (${info.size.toLocaleString('en-US')} bytes) as ${reference}`);
  return reference;
}
