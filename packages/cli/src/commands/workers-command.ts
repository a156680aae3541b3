import { UsageError } from '../cli-errors';
import { withJobClient } from '../client/job-client';
import { formatWorkerTable, workerToJson } from '../jobs/worker-format';
import { parseFlags } from '../parse-flags';

/** `metatrain workers [--json] [--coordinator host:port]`: the workers the coordinator knows. */
export async function workersCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { coordinator: { type: 'string' }, json: { type: 'boolean', default: false } });
  if (positionals.length > 0) throw new UsageError('usage: metatrain workers [--json] [--coordinator host:port]');
  const workers = await withJobClient(values.coordinator, (client) => client.listWorkers());
  if (values.json) process.stdout.write(`${JSON.stringify(workers.map(workerToJson), null, 2)}\n`);
  else if (workers.length === 0) process.stderr.write('no workers\n');
  else process.stdout.write(formatWorkerTable(workers, Date.now()));
  return 0;
}
