import { CheckpointError, isOptimizerKind, type MetaState, type ParamShape } from '@metatrain/core';
import type { Checkpoint } from '@metatrain/storage';

/** What a checkpoint restores: the job's state, and whether its version's periodic evaluation was published. */
export interface SavedState {
  state: MetaState;
  /** The evaluation of `state.version` (when one is due) was published before the checkpoint. */
  evaluated: boolean;
}

/** A job's state as a checkpoint: parameters, optimizer slots, and the scalars in state.json. */
export function toCheckpoint(saved: SavedState, backend: string): Checkpoint {
  const { state, evaluated } = saved;
  return {
    version: state.version,
    params: state.params,
    optimizer: state.optimizer.slots,
    state: { version: state.version, optimizer: { kind: state.optimizer.kind, step: state.optimizer.step }, backend, evaluated },
  };
}

/** Restores a job's state, checking that the checkpoint fits the job's parameter layout. */
export function fromCheckpoint(layout: readonly ParamShape[], ckpt: Checkpoint): SavedState {
  const expected = layout.map((p) => `${p.name}:${p.shape.join('x')}`).join(',');
  const saved = ckpt.params.map((p) => `${p.name}:${p.shape.join('x')}`).join(',');
  if (expected !== saved) throw new CheckpointError(`checkpoint ${ckpt.version} does not match the job's parameters`);
  const optimizer = ckpt.state.optimizer as { kind?: unknown; step?: unknown } | undefined;
  if (!isOptimizerKind(optimizer?.kind) || typeof optimizer.step !== 'number') {
    throw new CheckpointError(`checkpoint ${ckpt.version}: state.json has no optimizer state`);
  }
  return {
    state: { version: ckpt.version, params: ckpt.params, optimizer: { kind: optimizer.kind, step: optimizer.step, slots: ckpt.optimizer } },
    evaluated: ckpt.state.evaluated === true,
  };
}
