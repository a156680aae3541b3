import { UsageError } from '../cli-errors';
import { withJobClient } from '../client/job-client';
import { formatWorkerTable, workerToJson } from '../jobs/worker-format';
import { COMMAND_HELP, usageLine } from '../help/commands';
import { parseFlags } from '../parse-flags';

/** `metatrain workers [--json] [--coordinator host:port]`: the workers the coordinator knows. */
export async function workersCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, COMMAND_HELP.workers.flags);
  if (positionals.length > 0) throw new UsageError(usageLine('workers'));
  const workers = await withJobClient(values.coordinator, (client) => client.listWorkers());
  if (values.json) process.stdout.write(`${JSON.stringify(workers.map(workerToJson), null, 2)}\n`);
  else if (workers.length === 0) process.stderr.write('no workers\n');
  else process.stdout.write(formatWorkerTable(workers, Date.now()));
  return 0;
}
