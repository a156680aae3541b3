import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CliFailure, EXIT_USAGE } from '../cli-errors';
import { runExportDir } from './run-directory';

const exists = (path: string) => stat(path).then(() => true, () => false);

/** An export directory itself, or the export of a run directory (`train`, `local`): `<runDir>/export`. */
export async function findExportDir(target: string): Promise<string> {
  if (await exists(join(target, 'meta.json'))) return target;
  const inRun = runExportDir(target);
  if (await exists(join(inRun, 'meta.json'))) return inRun;
  throw new CliFailure(`${target} holds no export (no meta.json, nor export/meta.json); train the job to the end first`, EXIT_USAGE);
}
