/** The job's storage already holds checkpoints and the loop was told not to resume from them. */
export class CheckpointsExistError extends Error {
  override readonly name = 'CheckpointsExistError';
  constructor(
    readonly jobId: string,
    /** The newest complete checkpoint's version. */
    readonly version: number,
  ) {
    super(`the storage of job '${jobId}' already holds checkpoints (round ${version})`);
  }
}

/** The job's storage holds checkpoints trained with another spec. */
export class SpecMismatchError extends Error {
  override readonly name = 'SpecMismatchError';
  constructor(readonly jobId: string) {
    super(`the spec differs from the one the checkpoints of job '${jobId}' were trained with`);
  }
}
