/** Job ids that may become a `job_id` label value: the registry's `{name}-{suffix}` and the like. */
export const JOB_LABEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Longer than any id the registry makes (a 100-character name plus a suffix). */
export const MAX_JOB_LABEL_LENGTH = 128;

/**
 * Returns `jobId` when it is safe as a label value. Ids come from the registry, so a bad one
 * is a bug upstream: failing loudly beats exporting a series nobody can select or clean up.
 *
 * @throws RangeError naming the value (shortened) when it is not.
 */
export function jobLabel(jobId: string): string {
  if (jobId.length <= MAX_JOB_LABEL_LENGTH && JOB_LABEL_PATTERN.test(jobId)) return jobId;
  const shown = jobId.length > 40 ? `${jobId.slice(0, 40)}…` : jobId;
  throw new RangeError(`metrics: job id ${JSON.stringify(shown)} is not a valid label value (${JOB_LABEL_PATTERN.source}, at most ${MAX_JOB_LABEL_LENGTH} characters)`);
}
