import type { JobSpec } from '@metatrain/core';

// When a job does what besides rounds. Both `train` and the coordinator run the one job loop,
// so these are the only places that decide.

/** Whether the parameters of `version` are checkpointed: every `checkpoint.everyRounds` rounds, and the last. */
export function checkpointDue(spec: JobSpec, version: number): boolean {
  return version % spec.checkpoint.everyRounds === 0 || version === spec.outer.iterations;
}

/** Whether the parameters of `version` get a periodic held-out evaluation: every `eval.everyRounds` rounds. */
export function evalDue(spec: JobSpec, version: number): boolean {
  return spec.eval !== undefined && version > 0 && version % spec.eval.everyRounds === 0;
}
