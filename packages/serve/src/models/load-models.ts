import { DecodeError } from '@metatrain/core';
import type { StorageEnv } from '@metatrain/storage';
import { ExportSourceError, readExportFiles } from './export-source';
import type { ServedModel } from './served-model';

/** A model name as it appears in a URL path: letters, digits, `.`, `_`, `-`. */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Reads each source's export; a source may be named `name=source`. Names must be unique and
 * fit a URL path. Loads metalearn (readExport) but computes nothing: the threads do.
 * @throws ExportSourceError for a missing or broken export or a bad or repeated name
 */
export async function loadModels(sources: string[], env: StorageEnv): Promise<ServedModel[]> {
  const { exportIo, readExport } = await import('@metatrain/metalearn');
  const models: ServedModel[] = [];
  for (const arg of sources) {
    const named = /^([^=/:]+)=(.+)$/.exec(arg);
    const source = named ? (named[2] as string) : arg;
    const read = await readExportFiles(source, env);
    const name = named ? (named[1] as string) : read.defaultName;
    if (!MODEL_NAME.test(name)) throw new ExportSourceError(`${arg}: model name ${JSON.stringify(name)} must be letters, digits, '.', '_' or '-' (name it: name=${source})`);
    if (models.some((m) => m.name === name)) throw new ExportSourceError(`${arg}: a model named ${name} is already served (name it: othername=${source})`);
    let loaded;
    try {
      loaded = readExport({ modelJson: read.files['model.json'], weightsBin: read.files['weights.bin'], metaJson: read.files['meta.json'] });
    } catch (err) {
      if (err instanceof DecodeError) throw new ExportSourceError(`${source}: ${err.message}`);
      throw err;
    }
    const labels = loaded.meta.adaptation.method === 'sgd' ? loaded.meta.output.labels : undefined;
    models.push({ name, location: read.location, loaded, io: exportIo(loaded.meta), labels });
  }
  return models;
}
