import { UsageError } from '../cli-errors';
import { withJobClient } from '../client/job-client';
import { formatJobTable, jobToJson, parseStates } from '../jobs/job-format';
import { parseFlags } from '../parse-flags';

const USAGE = 'usage: metatrain list [--state RUNNING,QUEUED,…] [--json] [--coordinator host:port]';

/** `metatrain list`: every job, newest first, as a table (or JSON lines with --json). */
export async function listCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { coordinator: { type: 'string' }, json: { type: 'boolean', default: false }, state: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(USAGE);
  const { states, unknown } = parseStates(values.state ?? '');
  if (unknown.length > 0) throw new UsageError(`--state: unknown state ${unknown.join(', ')} (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)`);
  const jobs = await withJobClient(values.coordinator, (client) => client.listJobs(states));
  if (values.json) process.stdout.write(`${JSON.stringify(jobs.map(jobToJson), null, 2)}\n`);
  else if (jobs.length === 0) process.stderr.write('no jobs\n');
  else process.stdout.write(formatJobTable(jobs, Date.now()));
  return 0;
}
