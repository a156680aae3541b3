import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CliFailure, EXIT_USAGE } from '../cli-errors';

const exists = (path: string) => stat(path).then(() => true, () => false);

/** An export directory itself, or the single job export inside a `train --out` directory. */
export async function findExportDir(target: string): Promise<string> {
  if (await exists(join(target, 'meta.json'))) return target;
  const jobs = await readdir(join(target, 'jobs')).catch(() => [] as string[]);
  const exports = [];
  for (const job of jobs) if (await exists(join(target, 'jobs', job, 'export', 'meta.json'))) exports.push(join(target, 'jobs', job, 'export'));
  if (exports.length === 1 && exports[0]) return exports[0];
  if (exports.length > 1) throw new CliFailure(`${target} holds several exports; name one: ${exports.join(', ')}`, EXIT_USAGE);
  throw new CliFailure(`${target} holds no export (no meta.json); train the job to the end first`, EXIT_USAGE);
}
