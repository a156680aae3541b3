import { UsageError } from '../cli-errors';
import { withJobClient } from '../client/job-client';
import { watchUntilDone } from '../jobs/watch-job';
import { COMMAND_HELP, usageLine } from '../help/commands';
import { parseFlags } from '../parse-flags';

/**
 * `metatrain watch <job> [--coordinator host:port]`: progress on stderr until the job ends,
 * then its final state on stdout; exit 0 SUCCEEDED, 1 FAILED or CANCELLED.
 */
export async function watchCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, COMMAND_HELP.watch.flags);
  const [jobId, ...extra] = positionals;
  if (!jobId || extra.length > 0) throw new UsageError(usageLine('watch'));
  return withJobClient(values.coordinator, (client) => watchUntilDone(client, jobId, { summaryTo: (line) => process.stdout.write(`${line}\n`) }));
}
