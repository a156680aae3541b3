import { UsageError } from '../cli-errors';
import { withJobClient } from '../client/job-client';
import { COMMAND_HELP, usageLine } from '../help/commands';
import { curveRecord, metricsLine } from '../jobs/metrics-format';
import { EXIT_INTERRUPTED } from '../jobs/watch-job';
import { parseFlags } from '../parse-flags';

/**
 * `metatrain metrics <job> [--follow] [--json] [--coordinator host:port]`: the job's stored
 * curve on stdout, a line per round or evaluation (JSON Lines with --json); with --follow, the
 * new ones too until the job ends. Exit 0, 130 on Ctrl-C.
 */
export async function metricsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, COMMAND_HELP.metrics.flags);
  const [jobId, ...extra] = positionals;
  if (!jobId || extra.length > 0) throw new UsageError(usageLine('metrics'));
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    await withJobClient(values.coordinator, async (client) => {
      await client.getJob(jobId); // an unknown job is NOT_FOUND before anything is printed
      for await (const event of client.watchJob(jobId, controller.signal, !values.follow)) {
        const record = curveRecord(event);
        if (record) process.stdout.write(`${values.json ? JSON.stringify(record) : metricsLine(record)}\n`);
      }
    });
    return controller.signal.aborted ? EXIT_INTERRUPTED : 0;
  } finally {
    process.off('SIGINT', stop);
  }
}
