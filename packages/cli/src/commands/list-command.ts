import { UsageError } from '../cli-errors';
import { withJobClient } from '../client/job-client';
import { formatJobTable, jobToJson, parseStates } from '../jobs/job-format';
import { COMMAND_HELP, usageLine } from '../help/commands';
import { parseFlags } from '../parse-flags';

/** `metatrain list`: every job, newest first, as a table (or JSON lines with --json). */
export async function listCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, COMMAND_HELP.list.flags);
  if (positionals.length > 0) throw new UsageError(usageLine('list'));
  const { states, unknown } = parseStates(values.state ?? '');
  if (unknown.length > 0) throw new UsageError(`--state: unknown state ${unknown.join(', ')} (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)`);
  const jobs = await withJobClient(values.coordinator, (client) => client.listJobs(states));
  if (values.json) process.stdout.write(`${JSON.stringify(jobs.map(jobToJson), null, 2)}\n`);
  else if (jobs.length === 0) process.stderr.write('no jobs\n');
  else process.stdout.write(formatJobTable(jobs, Date.now()));
  return 0;
}
