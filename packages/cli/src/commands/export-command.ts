import { DecodeError } from '@metatrain/core';
import { CliFailure, UsageError } from '../cli-errors';
import { withJobClient } from '../client/job-client';
import { receiveExport, writeExportDir } from '../jobs/export-files';
import { COMMAND_HELP, usageLine } from '../help/commands';
import { parseFlags } from '../parse-flags';

/**
 * `metatrain export <job> [--out dir] [--coordinator host:port]`: downloads the job's export
 * (model.json, weights.bin, meta.json), checks each file's sha256, writes them atomically
 * and prints the directory. Default directory: exports/<job>.
 */
export async function exportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, COMMAND_HELP.export.flags);
  const [jobId, ...extra] = positionals;
  if (!jobId || extra.length > 0) throw new UsageError(usageLine('export'));
  const dir = values.out ?? `exports/${jobId}`;
  const files = await withJobClient(values.coordinator, (client) =>
    receiveExport(client.exportModel(jobId)).catch((err: unknown) => {
      throw err instanceof DecodeError ? new CliFailure(`export of job ${jobId} is corrupt: ${err.message}`) : err;
    }),
  );
  try {
    await writeExportDir(dir, files);
  } catch (err) {
    throw new CliFailure(`cannot write the export to ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const bytes = [...files.values()].reduce((n, f) => n + f.length, 0);
  process.stderr.write(`exported job ${jobId}: ${files.size} files, ${bytes} bytes, checksums verified\n`);
  process.stdout.write(`${dir}\n`);
  return 0;
}
