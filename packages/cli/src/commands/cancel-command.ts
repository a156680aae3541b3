import { UsageError } from '../cli-errors';
import { withJobClient } from '../client/job-client';
import { stateName } from '../jobs/job-format';
import { parseFlags } from '../parse-flags';

/** `metatrain cancel <job> [--reason text] [--coordinator host:port]`: idempotent on a cancelled job. */
export async function cancelCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { coordinator: { type: 'string' }, reason: { type: 'string' } });
  const [jobId, ...extra] = positionals;
  if (!jobId || extra.length > 0) throw new UsageError('usage: metatrain cancel <job> [--reason <text>] [--coordinator host:port]');
  const job = await withJobClient(values.coordinator, (client) => client.cancelJob(jobId, values.reason ?? 'cancelled with metatrain cancel'));
  process.stdout.write(`job ${job.id} ${stateName(job.state)}\n`);
  return 0;
}
