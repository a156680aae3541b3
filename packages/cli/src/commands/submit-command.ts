import { UsageError } from '../cli-errors';
import { withJobClient } from '../client/job-client';
import { withUploadedData } from '../jobs/upload-data';
import { watchUntilDone } from '../jobs/watch-job';
import { COMMAND_HELP, usageLine } from '../help/commands';
import { parseFlags } from '../parse-flags';
import { loadSpec } from '../run/load-spec';

/**
 * `metatrain submit <spec> [--coordinator host:port] [--wait]`: validates the spec here (a bad
 * spec never reaches the coordinator), uploads the local data files it names (so the job runs
 * wherever the coordinator and workers are), submits it and prints the job id alone on
 * stdout. With --wait, shows the progress and exits as the job ends (0 SUCCEEDED, 1
 * FAILED/CANCELLED).
 */
export async function submitCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, COMMAND_HELP.submit.flags);
  const [specPath, ...extra] = positionals;
  if (!specPath || extra.length > 0) throw new UsageError(usageLine('submit'));
  const { spec, text, baseDir } = await loadSpec(specPath);
  return withJobClient(values.coordinator, async (client) => {
    const submitted = await withUploadedData(spec, baseDir, (bytes) => client.uploadData(bytes), (line) => process.stderr.write(`${line}\n`));
    const { jobId } = await client.submitJob(submitted === spec ? text : JSON.stringify(submitted));
    process.stdout.write(`${jobId}\n`);
    process.stderr.write(`submitted job ${jobId} (${spec.algorithm} on ${spec.tasks.family}, ${spec.outer.iterations} rounds) to ${client.address}\n`);
    if (values.wait !== true) return 0;
    return watchUntilDone(client, jobId, { summaryTo: (line) => process.stderr.write(`${line}\n`) });
  });
}
