import type { JobSpec, ShardKind } from '@metatrain/core';

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

/**
 * The collection the loop runs after the one of `kind` at `version` (a round, or an
 * evaluation), or undefined when that one is the job's last. After round v comes the
 * evaluation of v + 1 when due, else round v + 1; after the evaluation of v, round v.
 */
export function nextCollection(spec: JobSpec, kind: ShardKind, version: number): { kind: ShardKind; version: number } | undefined {
  const next = kind === 'train' ? version + 1 : version;
  if (kind === 'train' && evalDue(spec, next)) return { kind: 'eval', version: next };
  return next < spec.outer.iterations ? { kind: 'train', version: next } : undefined;
}
