import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DecodeError } from '@metatrain/core';
import { type LoadedExport, readExport } from '@metatrain/metalearn';
import { CliFailure, EXIT_USAGE } from '../cli-errors';

/** Reads an export directory (model.json, weights.bin, meta.json); a missing or unreadable file is a one-line failure. */
export async function readExportDir(dir: string): Promise<LoadedExport> {
  const read = async (name: string) => {
    try {
      return new Uint8Array(await readFile(join(dir, name)));
    } catch {
      throw new CliFailure(`${dir} is not an export: ${name} is missing`, EXIT_USAGE);
    }
  };
  const files = { modelJson: await read('model.json'), weightsBin: await read('weights.bin'), metaJson: await read('meta.json') };
  try {
    return readExport(files);
  } catch (err) {
    throw err instanceof DecodeError ? new CliFailure(`${dir}: ${err.message}`) : err;
  }
}
