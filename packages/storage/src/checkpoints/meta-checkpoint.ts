import { CheckpointError, type MetaState, type ParamShape } from '@metatrain/core';
import type { Checkpoint } from './checkpoint-store';

/** A job's state as a checkpoint: parameters, optimizer slots, and the scalars in state.json. */
export function toCheckpoint(state: MetaState, backend: string): Checkpoint {
  return {
    round: state.round,
    params: state.params,
    optimizer: state.optimizer.slots,
    state: { round: state.round, optimizer: { kind: state.optimizer.kind, step: state.optimizer.step }, backend },
  };
}

/** Restores a job's state, checking that the checkpoint fits the job's parameter layout. */
export function fromCheckpoint(layout: readonly ParamShape[], ckpt: Checkpoint): MetaState {
  const expected = layout.map((p) => `${p.name}:${p.shape.join('x')}`).join(',');
  const saved = ckpt.params.map((p) => `${p.name}:${p.shape.join('x')}`).join(',');
  if (expected !== saved) throw new CheckpointError(`checkpoint ${ckpt.round} does not match the job's parameters`);
  const optimizer = ckpt.state.optimizer as { kind?: unknown; step?: unknown } | undefined;
  if ((optimizer?.kind !== 'adam' && optimizer?.kind !== 'sgd') || typeof optimizer.step !== 'number') {
    throw new CheckpointError(`checkpoint ${ckpt.round}: state.json has no optimizer state`);
  }
  return { round: ckpt.round, params: ckpt.params, optimizer: { kind: optimizer.kind, step: optimizer.step, slots: ckpt.optimizer } };
}
