import type { Job } from '@metatrain/contract';
import { CliFailure } from '../cli-errors';
import type { JobClient } from '../client/job-client';
import { createProgress, type ProgressStream } from '../ui/progress-bar';
import { followJob } from './follow-job';
import { exitCodeOf, isFinalState, lossText, stateName } from './job-format';

export interface WatchJobOptions {
  /** where the one-line summary of the ended job goes: stdout for `watch`, stderr for `submit --wait` */
  summaryTo: (line: string) => void;
  /** @default process.stderr */
  progressStream?: ProgressStream;
}

/** Ctrl-C while watching stops watching (exit 130); the job keeps running. */
export const EXIT_INTERRUPTED = 130;

function summary(job: Job): string {
  const line = `job ${job.id} ${stateName(job.state)}: round ${job.roundsCompleted}/${job.totalRounds}, meta-loss ${lossText(job.lastMetaLoss)}`;
  return job.error ? `${line}: ${job.error}` : line;
}

/**
 * Shows a job's progress until it ends: exit code 0 when it SUCCEEDED, 1 when it FAILED or was
 * CANCELLED, 130 when the user stopped watching.
 */
export async function watchUntilDone(client: JobClient, jobId: string, options: WatchJobOptions): Promise<number> {
  const job = await client.getJob(jobId);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const progress = createProgress({ total: job.totalRounds, label: job.name || job.id, start: job.roundsCompleted, ...(options.progressStream ? { stream: options.progressStream } : {}) });
    const followed = await followJob(client.watchJob(job.id, controller.signal), progress);
    if (controller.signal.aborted) {
      process.stderr.write(`stopped watching job ${job.id}; it keeps running ('metatrain cancel ${job.id}' stops it)\n`);
      return EXIT_INTERRUPTED;
    }
    // The last word is the coordinator's record: final round, meta-loss and error.
    const latest = await client.getJob(job.id).catch((err: unknown) => {
      if (followed.state !== undefined && isFinalState(followed.state)) return { ...job, state: followed.state, error: followed.error, round: followed.rounds ?? job.roundsCompleted };
      throw err;
    });
    if (!isFinalState(latest.state)) {
      throw new CliFailure(`the coordinator at ${client.address} ended the watch of job ${job.id} before it finished (it is ${stateName(latest.state)}); run 'metatrain watch ${job.id}' again`);
    }
    options.summaryTo(summary(latest));
    return exitCodeOf(latest.state);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
