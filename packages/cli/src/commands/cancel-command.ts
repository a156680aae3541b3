import { UsageError } from '../cli-errors';
import { withJobClient } from '../client/job-client';
import { stateName } from '../jobs/job-format';
import { COMMAND_HELP, usageLine } from '../help/commands';
import { parseFlags } from '../parse-flags';

/** `metatrain cancel <job> [--reason text] [--coordinator host:port]`: idempotent on a cancelled job. */
export async function cancelCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, COMMAND_HELP.cancel.flags);
  const [jobId, ...extra] = positionals;
  if (!jobId || extra.length > 0) throw new UsageError(usageLine('cancel'));
  const job = await withJobClient(values.coordinator, (client) => client.cancelJob(jobId, values.reason ?? 'cancelled with metatrain cancel'));
  process.stdout.write(`job ${job.id} ${stateName(job.state)}\n`);
  return 0;
}
