import type { JobEvent } from '@metatrain/contract';

// Rounds and evaluations as the job loop publishes them, for the history's tests.

/** The job the events belong to unless told otherwise. */
export const TEST_JOB_ID = 'sine-abc123';

/** RoundCompleted of round `r`. */
export const roundEvent = (r: number, jobId = TEST_JOB_ID): JobEvent => ({
  jobId,
  timeMs: 1000 + r,
  kind: { $case: 'roundCompleted', value: { round: r, tasks: 8, metaLoss: r + 0.5, preLoss: 2, postLoss: r + 0.5, outerLr: 0.01, roundMs: 3, tasksPerSecond: 100, workers: 1, backends: ['wasm'] } },
});

/** EvalCompleted of version `v`. */
export const evalEvent = (v: number, jobId = TEST_JOB_ID): JobEvent => ({
  jobId,
  timeMs: 2000 + v,
  kind: { $case: 'evalCompleted', value: { version: v, tasks: 4, preLoss: 3, postLoss: v + 0.25, evalMs: 2, workers: 1 } },
});
