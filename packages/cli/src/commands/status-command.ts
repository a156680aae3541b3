import { UsageError } from '../cli-errors';
import { withJobClient } from '../client/job-client';
import { formatJobStatus, jobToJson } from '../jobs/job-format';
import { COMMAND_HELP, usageLine } from '../help/commands';
import { parseFlags } from '../parse-flags';

/** `metatrain status <job> [--json] [--coordinator host:port]`: state, round/total, last meta-loss, times, error. */
export async function statusCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, COMMAND_HELP.status.flags);
  const [jobId, ...extra] = positionals;
  if (!jobId || extra.length > 0) throw new UsageError(usageLine('status'));
  const job = await withJobClient(values.coordinator, (client) => client.getJob(jobId));
  process.stdout.write(values.json ? `${JSON.stringify(jobToJson(job), null, 2)}\n` : formatJobStatus(job, Date.now()));
  return 0;
}
